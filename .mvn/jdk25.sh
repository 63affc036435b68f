# Sourced by ./mvnw before Maven starts (POSIX sh, under mvnw's set -euf).
#
# The build compiles, tests and packages on a JDK 25 that Maven toolchains find by themselves
# (maven-toolchains-plugin 3.2.0 select-jdk-toolchain, see the root pom), whatever Java runs Maven.
# When the machine has none, the plugin stops the build with a block of Maven errors that never says
# what to install. This looks where that plugin looks, and when it is sure no JDK 25 is there, stops
# with one line saying so. When it is not sure (a JDK without a release file, -t/--toolchains given),
# or when no build phase is asked for (./mvnw --version, clean, a plugin goal), it leaves the decision
# to Maven. It never chooses a JDK: the toolchains plugin does.
#
# Where the plugin looks (ToolchainDiscoverer in 3.2.0): the home of the Java running Maven, every
# JAVA*_HOME variable, the jdkHome entries of ~/.m2/toolchains.xml, and every folder in ~/.jdks,
# ~/.m2/jdks, ~/.sdkman/candidates/java, ~/.gradle/jdks, ~/.jenv/versions, ~/.jbang/cache/jdks,
# ~/.asdf/installs, ~/.jabba/jdk, /Library/Java/JavaVirtualMachines (and ~/ of it), /usr/jdk, /usr/java,
# /opt/java and /usr/lib/jvm; a home counts when it has bin/javac.

# 0: a JDK 25 or newer may be found (or we cannot tell), 1: certainly none
mosn4j_jdk25_missing() {
  for mosn4j_arg in "$@"; do
    case "$mosn4j_arg" in
    -t | -t* | --toolchains | --toolchains=* | -gt | -gt* | --global-toolchains | --global-toolchains=*) return 1 ;;
    esac
  done
  mosn4j_phase=false
  for mosn4j_arg in "$@"; do
    case "$mosn4j_arg" in
    validate | initialize | generate-* | process-* | compile | test-compile | test | prepare-package | package | \
      pre-integration-test | integration-test | post-integration-test | verify | install | deploy) mosn4j_phase=true ;;
    esac
  done
  [ "$mosn4j_phase" = true ] || return 1

  mosn4j_homes=$(
    set +f
    env | sed -n 's/^JAVA[A-Za-z0-9_]*_HOME=//p'
    java_cmd=$(command -v java 2>/dev/null || :)
    if [ -n "$java_cmd" ]; then
      java_real=$(readlink -f "$java_cmd" 2>/dev/null || printf %s "$java_cmd")
      dirname "$(dirname "$java_real")"
    fi
    if [ -f "${HOME-}/.m2/toolchains.xml" ]; then
      sed -n 's:.*<jdkHome>[[:space:]]*\([^<]*[^<[:space:]]\)[[:space:]]*</jdkHome>.*:\1:p' "$HOME/.m2/toolchains.xml"
    fi
    for root in "${HOME-}/.jdks" "${HOME-}/.m2/jdks" "${HOME-}/.sdkman/candidates/java" "${HOME-}/.gradle/jdks" \
      "${HOME-}/.jenv/versions" "${HOME-}/.jbang/cache/jdks" "${HOME-}/.asdf/installs" "${HOME-}/.jabba/jdk" \
      /Library/Java/JavaVirtualMachines "${HOME-}/Library/Java/JavaVirtualMachines" /usr/jdk /usr/java /opt/java /usr/lib/jvm; do
      for home in "$root"/*; do
        [ -d "$home" ] || continue
        printf '%s\n%s\n' "$home" "$home/Contents/Home"
      done
    done
  )
  # one home a line; home paths with a newline in them are not worth a case
  mosn4j_old_ifs=$IFS
  IFS='
'
  for mosn4j_home in $mosn4j_homes; do
    [ -x "$mosn4j_home/bin/javac" ] || continue
    if [ ! -f "$mosn4j_home/release" ]; then
      IFS=$mosn4j_old_ifs
      return 1 # a JDK of unknown version: Maven will tell
    fi
    mosn4j_feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$mosn4j_home/release")
    if [ "${mosn4j_feature:-0}" -ge 25 ]; then
      IFS=$mosn4j_old_ifs
      return 1
    fi
  done
  IFS=$mosn4j_old_ifs
  return 0
}

# shellcheck disable=SC2086 # MAVEN_ARGS holds several arguments, as Maven 3.9 reads it
if mosn4j_jdk25_missing "$@" ${MAVEN_ARGS-}; then
  die "mosn4j needs a JDK 25 to build and found none: install one (e.g. apt-get install temurin-25-jdk, see adoptium.net) or set JAVA_HOME to one"
fi
