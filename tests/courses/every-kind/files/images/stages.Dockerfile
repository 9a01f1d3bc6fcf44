# The first stage has a build tool; the final image has only what it made.
FROM busybox:latest AS build
RUN mkdir -p /usr/local/bin /out \
 && printf '#!/bin/sh\necho "built in a stage" > "$1"\n' > /usr/local/bin/buildtool \
 && chmod +x /usr/local/bin/buildtool \
 && buildtool /out/artifact
FROM busybox:latest
COPY --from=build /out/artifact /artifact
