#!/bin/sh
# Alpine's apk without a network: `apk add PKG` installs a small program named PKG
# that answers `PKG --version`, as the lessons use it.
[ "$1" = add ] || { echo "apk (test image): only 'add' is supported" >&2; exit 1; }
shift
for p in "$@"; do
  case "$p" in -*) continue ;; esac
  printf '#!/bin/sh\necho "%s 8.9.1 (test image)"\n' "$p" > "/usr/bin/$p"
  chmod +x "/usr/bin/$p"
  echo "(1/1) Installing $p (test image)"
done
echo "OK: test image"
