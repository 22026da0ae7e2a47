package smoke

// Service containers run their command through a small POSIX shell script
// (any image with /bin/sh will do), so that what they print lands in a log
// file the checker can read, and so that a dependency can be restarted
// inside its own container: a Dagger service whose process exits takes its
// dependents down with it, a supervised one does not exit.

// loggedScript runs "$@" with its output appended to $1's file.
const loggedScript = `log=$1; shift
mkdir -p "${log%/*}"
exec "$@" >>"$log" 2>&1`

// supervisedScript restarts "$@" whenever it exits, waiting while the pause
// file ($2) exists; SIGTERM stops the child and the loop.
const supervisedScript = `log=$1; pause=$2; shift 2
mkdir -p "${log%/*}" "${pause%/*}"
child=
trap 'if [ -n "$child" ]; then kill "$child" 2>/dev/null; fi; exit 0' TERM INT
while :; do
  "$@" >>"$log" 2>&1 &
  child=$!
  wait "$child"
  echo "stack: $1 exited with status $?" >>"$log"
  child=
  while [ -e "$pause" ]; do sleep 0.2; done
  sleep 0.2
done`

// Logged returns the command that runs argv with its output appended to
// logFile (whose directory is created).
func Logged(argv []string, logFile string) []string {
	return append([]string{"sh", "-c", loggedScript, "sh", logFile}, argv...)
}

// Supervised returns the command that runs argv, logging to logFile, and
// starts it again whenever it exits; while pauseFile exists it waits. So a
// checker that creates pauseFile and stops the process (e.g. Redis's
// SHUTDOWN) keeps the service down until it removes the file.
func Supervised(argv []string, logFile, pauseFile string) []string {
	return append([]string{"sh", "-c", supervisedScript, "sh", logFile, pauseFile}, argv...)
}
