package recipe

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// SplitCommand splits a command line into words the way a POSIX shell would
// for simple commands: whitespace separates words, single and double quotes
// group, backslash escapes. Shell operators (; & | < > $ ` and friends)
// are refused: a start command is exec'd, not run through a shell.
func SplitCommand(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("command %q: unterminated single quote", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i, inWord = i+1+j, true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`"\`, s[i+1]) >= 0 {
					i++
				} else if s[i] == '$' || s[i] == '`' {
					return nil, fmt.Errorf("command %q: shell expansion (%q) is not supported; write the command without it", s, s[i])
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("command %q: unterminated double quote", s)
			}
			inWord = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("command %q: trailing backslash", s)
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		case strings.IndexByte(";&|<>$`(){}*?[]#~", c) >= 0:
			return nil, fmt.Errorf("command %q: shell syntax %q is not supported; the command is run without a shell", s, c)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, errors.New("empty command")
	}
	return words, nil
}

// Start is how the backend container starts.
type Start struct {
	// Args are the container's default arguments.
	Args []string
	// Note explains the choice, for the build log and the report.
	Note string
}

// ResolveStart decides the backend's default arguments from the start
// command and the application's package.json. `npm run <script>` (or yarn's
// or pnpm's way to run a script) whose script is a simple command (e.g. "node server/index.js") is replaced by
// that command, so the app runs as the container's main process and receives
// SIGTERM directly; npm stays in between only when the script needs a shell.
func ResolveStart(command string, packageJSON []byte) (Start, error) {
	argv, err := SplitCommand(command)
	if err != nil {
		return Start{}, err
	}
	script, ok := npmRunScript(argv)
	if !ok {
		return Start{Args: argv, Note: "start command used as is"}, nil
	}
	var pkg struct {
		Scripts map[string]string `json:"scripts"`
	}
	if err := json.Unmarshal(packageJSON, &pkg); err != nil {
		return Start{}, fmt.Errorf("reading package.json for start command %q: %w", command, err)
	}
	body, ok := pkg.Scripts[script]
	if !ok {
		return Start{}, fmt.Errorf("start command %q: package.json has no script %q (scripts: %s)", command, script, strings.Join(sortedKeys(pkg.Scripts), ", "))
	}
	if _, hasPre := pkg.Scripts["pre"+script]; hasPre {
		return Start{Args: argv, Note: fmt.Sprintf("kept %q: package.json has a pre%s hook", command, script)}, nil
	}
	direct, err := SplitCommand(body)
	if err != nil {
		return Start{Args: argv, Note: fmt.Sprintf("kept %q: script %q needs a shell", command, body)}, nil
	}
	return Start{Args: direct, Note: fmt.Sprintf("%q runs %q directly so the app receives signals", command, body)}, nil
}

// npmRunScript recognises the package managers' ways to run a script:
// `npm run X`, `npm run-script X`, `npm start`, `yarn X`, `yarn run X`,
// `yarn start`, `pnpm X`, `pnpm run X`, `pnpm start`.
func npmRunScript(argv []string) (string, bool) {
	if len(argv) < 2 || len(argv) > 3 {
		return "", false
	}
	switch argv[0] {
	case "npm":
		if len(argv) == 2 && argv[1] == "start" {
			return "start", true
		}
		if len(argv) == 3 && (argv[1] == "run" || argv[1] == "run-script") {
			return argv[2], true
		}
	case "yarn", "pnpm":
		if len(argv) == 3 && argv[1] == "run" {
			return argv[2], true
		}
		if len(argv) == 2 && !strings.HasPrefix(argv[1], "-") && argv[1] != "install" && argv[1] != "add" {
			return argv[1], true
		}
	}
	return "", false
}
