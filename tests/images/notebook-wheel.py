"""Writes /opt/wheels/cowsay-6.1-py3-none-any.whl: a small stand-in for PyPI's `cowsay`
(same name, version and `cowsay.cow(text)`), so that `pip install cowsay` in the test
image installs a real wheel with the real pip, offline."""

import base64
import hashlib
import zipfile

MODULE = '''"""A talking cow (a stand-in for PyPI's cowsay, made for dockerlearn's tests)."""


def get_output_string(char="cow", text=""):
    line = "_" * (len(text) + 2)
    return (
        f"  {line}\\n| {text} |\\n  {'=' * (len(text) + 2)}\\n"
        "         \\\\\\n          \\\\\\n            ^__^\\n"
        "            (oo)\\\\_______\\n            (__)\\\\       )\\\\/\\\\\\n"
        "                ||----w |\\n                ||     ||"
    )


def cow(text):
    print(get_output_string("cow", text))
'''
FILES = {
    "cowsay/__init__.py": MODULE,
    "cowsay-6.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: cowsay\nVersion: 6.1\nSummary: The famous cowsay for GNU/Linux is now available for python\n",
    "cowsay-6.1.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: dockerlearn-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    "cowsay-6.1.dist-info/top_level.txt": "cowsay\n",
}


def digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


with zipfile.ZipFile("/opt/wheels/cowsay-6.1-py3-none-any.whl", "w") as whl:
    record = []
    for name, text in FILES.items():
        data = text.encode()
        whl.writestr(name, data)
        record.append(f"{name},{digest(data)},{len(data)}")
    record.append("cowsay-6.1.dist-info/RECORD,,")
    whl.writestr("cowsay-6.1.dist-info/RECORD", "\n".join(record) + "\n")
