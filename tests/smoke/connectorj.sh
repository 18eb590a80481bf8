#!/usr/bin/env bash
# MariaDB Connector/J (JDBC) smoke test: compiles java/ConnectorJTest.java
# with javac against Debian's libmariadb-java and runs it.
#
#   tests/smoke/connectorj.sh HOST PORT
#
# Needs a JDK (javac, java) and /usr/share/java/mariadb-java-client.jar
# (scripts/deps.sh installs both). Exits non-zero on any failed check.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 HOST PORT" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=${MARIADB_JAVA_CLIENT_JAR:-/usr/share/java/mariadb-java-client.jar}
[[ -f "$JAR" ]] || { echo "connectorj.sh: $JAR not found (apt-get install libmariadb-java)" >&2; exit 2; }
command -v javac >/dev/null || { echo "connectorj.sh: javac not found (apt-get install default-jdk-headless)" >&2; exit 2; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
javac -encoding UTF-8 -cp "$JAR" -d "$OUT" "$HERE/java/ConnectorJTest.java"
exec java -Duser.timezone=UTC -Dfile.encoding=UTF-8 -cp "$OUT:$JAR" ConnectorJTest "$1" "$2"
