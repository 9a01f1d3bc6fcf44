#!/opt/conda/bin/python
"""The Jupyter images' start-notebook.py, for Debian's Jupyter Notebook 6: a server on
0.0.0.0:8888 serving /home/jovyan, with a token generated at start and printed in the
log as the real image prints it (`http://127.0.0.1:8888/lab?token=...`); `/lab` leads
to the notebook's file browser, as JupyterLab would be there."""

import sys

from notebook import notebookapp
from tornado import web


class NotebookApp(notebookapp.NotebookApp):
    @property
    def display_url(self):
        return super().display_url.replace("/?token=", "/lab?token=")

    def init_webapp(self):
        super().init_webapp()
        lab = self.base_url + "lab/?"
        self.web_app.add_handlers(".*$", [(lab, web.RedirectHandler, {"url": self.base_url + "tree"})])


if __name__ == "__main__":
    NotebookApp.launch_instance(
        ["--ip=0.0.0.0", "--port=8888", "--no-browser", "--notebook-dir=/home/jovyan", *sys.argv[1:]]
    )
