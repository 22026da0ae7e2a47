package gha

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"

	"github.com/sethvargo/go-githubactions"

	"github.com/stack-ci/stack/pipelines/report"
)

// The exit statuses of Run.
const (
	// ExitPassed: the report passed (or --fail=false).
	ExitPassed = 0
	// ExitFailed: the report did not pass (with --fail, the default).
	ExitFailed = 1
	// ExitUsage: bad arguments, an unreadable or invalid report, or outputs
	// that could not be written.
	ExitUsage = 2
)

const usage = `usage: stack-gha --report PATH [--fail=true|false] [--mask VALUE]... [--mask-env NAME]...

Shows the pipeline's report.json in GitHub Actions: step outputs, the job
summary, annotations and log groups. Outside GitHub Actions it prints what it
would set. Exit status: 0 passed, 1 the report did not pass (with --fail),
2 bad arguments or an unreadable report.

`

// Run is the stack-gha command: it parses args (without the program name),
// reads the report and calls Emit with an Action writing to stdout and
// reading the environment through getenv (os.Getenv in main, a map in
// tests). It returns the exit status: ExitPassed, ExitFailed or ExitUsage.
// Errors go to stderr, and, in GitHub Actions, also as an error annotation.
//
// Flags:
//
//	--report PATH     the report.json to show (required)
//	--fail            exit 1 when the report did not pass (default true)
//	--mask VALUE      mask VALUE in everything written (repeatable)
//	--mask-env NAME   mask the value of environment variable NAME, which
//	                  keeps it off the command line (repeatable)
func Run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	flags := flag.NewFlagSet("stack-gha", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprint(stderr, usage)
		flags.PrintDefaults()
	}
	path := flags.String("report", "", "the report.json to show (required)")
	fail := flags.Bool("fail", true, "exit 1 when the report did not pass")
	var masks []string
	flags.Func("mask", "mask `VALUE` in everything written (repeatable)", func(v string) error {
		masks = append(masks, v)
		return nil
	})
	flags.Func("mask-env", "mask the value of environment variable `NAME` (repeatable)", func(name string) error {
		if v := getenv(name); v != "" {
			masks = append(masks, v)
		} else {
			fmt.Fprintf(stderr, "stack-gha: --mask-env %s: the variable is not set or empty; nothing to mask\n", name)
		}
		return nil
	})
	a := githubactions.New(githubactions.WithWriter(stdout), githubactions.WithGetenv(getenv))
	fatal := func(err error) int {
		fmt.Fprintf(stderr, "stack-gha: %v\n", err)
		if getenv("GITHUB_ACTIONS") == "true" {
			a.WithFieldsMap(map[string]string{"title": "stack-gha"}).Errorf("%s", err.Error())
		}
		return ExitUsage
	}

	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitPassed
		}
		return ExitUsage
	}
	if flags.NArg() > 0 {
		flags.Usage()
		return fatal(fmt.Errorf("unexpected argument %q (give the report with --report)", flags.Arg(0)))
	}
	if *path == "" {
		flags.Usage()
		return fatal(errors.New("--report is required: the report.json the check step exported"))
	}
	r, err := report.ReadFile(*path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%w (the check step exports it: did it run, and export to this path?)", err)
		}
		return fatal(err)
	}
	if err := Emit(a, r, WithMasks(masks...)); err != nil {
		return fatal(err)
	}
	if *fail && !r.Passed() {
		return ExitFailed
	}
	return ExitPassed
}
