package recipe

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestValidateImageRef(t *testing.T) {
	t.Parallel()
	for ref, ok := range map[string]bool{
		"node:20-alpine":                         true,
		"nginx:alpine":                           true,
		"ghcr.io/a/b:1.2.3":                      true,
		"127.0.0.1:5000/x:1":                     true,
		"node@sha256:" + strings.Repeat("a", 64): true,
		"node":                                   false, // implicit latest
		"node:latest":                            false,
		"":                                       false,
		"UPPER:1":                                false,
	} {
		if err := ValidateImageRef(ref); (err == nil) != ok {
			t.Errorf("ValidateImageRef(%q) = %v, want ok=%v", ref, err, ok)
		}
	}
}

func TestSplitCommand(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"npm run webui":               {"npm", "run", "webui"},
		"  node   server/index.js ":   {"node", "server/index.js"},
		`node -e 'console.log(1)'`:    {"node", "-e", "console.log(1)"},
		`node "my app.js" a\ b`:       {"node", "my app.js", "a b"},
		`echo "a \"q\" \\ b"`:         {"echo", `a "q" \ b`},
		`node ''`:                     {"node", ""},
		"node --max-old-space-size=1": {"node", "--max-old-space-size=1"},
	} {
		got, err := SplitCommand(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "   ", "a && b", "a | b", "a > f", "echo $HOME", `echo "$HOME"`, "a 'b", `a "b`, `a\`, "a `b`", "a # c"} {
		if _, err := SplitCommand(bad); err == nil {
			t.Errorf("SplitCommand(%q) accepted shell syntax", bad)
		}
	}
}

func FuzzSplitCommand(f *testing.F) {
	for _, s := range []string{"npm run webui", `node "a b" 'c'`, `a\ b`, `x "\"" y`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := SplitCommand(s)
		if err != nil {
			return
		}
		if len(words) == 0 {
			t.Fatalf("SplitCommand(%q) returned no words and no error", s)
		}
		// Quoting every word back must give the same words.
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+strings.ReplaceAll(w, "'", `'\''`)+"'")
		}
		again, err := SplitCommand(strings.Join(quoted, " "))
		if err != nil || !reflect.DeepEqual(again, words) {
			t.Fatalf("requoted %q gives %q, %v; want %q", s, again, err, words)
		}
	})
}

func TestResolveStart(t *testing.T) {
	t.Parallel()
	pkg := []byte(`{"scripts":{"webui":"node server/index.js","shelly":"node a.js && node b.js","prehooked":"x","hooked":"node h.js","start":"node --enable-source-maps main.js"}}`)
	for _, tc := range []struct {
		cmd  string
		want []string
		note string
	}{
		{"npm run webui", []string{"node", "server/index.js"}, "directly"},
		{"npm start", []string{"node", "--enable-source-maps", "main.js"}, "directly"},
		{"npm run-script webui", []string{"node", "server/index.js"}, "directly"},
		{"npm run shelly", []string{"npm", "run", "shelly"}, "needs a shell"},
		{"npm run hooked", []string{"npm", "run", "hooked"}, "prehooked hook"},
		{"node server/index.js", []string{"node", "server/index.js"}, "as is"},
		{"yarn start", []string{"node", "--enable-source-maps", "main.js"}, "directly"},
		{"yarn run webui", []string{"node", "server/index.js"}, "directly"},
		{"pnpm webui", []string{"node", "server/index.js"}, "directly"},
		{"yarn install", []string{"yarn", "install"}, "as is"},
	} {
		got, err := ResolveStart(tc.cmd, pkg)
		if err != nil || !reflect.DeepEqual(got.Args, tc.want) || !strings.Contains(got.Note, tc.note) {
			t.Errorf("ResolveStart(%q) = %+v, %v; want %q (note ~ %q)", tc.cmd, got, err, tc.want, tc.note)
		}
	}
	if _, err := ResolveStart("npm run nope", pkg); err == nil || !strings.Contains(err.Error(), `no script "nope" (scripts: hooked, prehooked, shelly, start, webui)`) {
		t.Errorf("missing script: %v", err)
	}
	if _, err := ResolveStart("npm run webui", []byte("{")); err == nil || !strings.Contains(err.Error(), "reading package.json") {
		t.Errorf("bad package.json: %v", err)
	}
}

func TestLabels(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 11, 25, 12, 0, 0, 0, time.FixedZone("x", 3600))
	got := Labels(LabelInfo{Title: "hivemind-backend", Source: "https://github.com/o/r", Revision: "abc123", Version: "1.2.3", Created: created})
	want := map[string]string{
		"org.opencontainers.image.title":    "hivemind-backend",
		"org.opencontainers.image.source":   "https://github.com/o/r",
		"org.opencontainers.image.revision": "abc123",
		"org.opencontainers.image.version":  "1.2.3",
		"org.opencontainers.image.created":  "2026-11-25T11:00:00Z",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Labels = %v", got)
	}
	def := Labels(LabelInfo{Created: created})
	if def["org.opencontainers.image.version"] != "dev" || def["org.opencontainers.image.revision"] != "unknown" || def["org.opencontainers.image.title"] != "app" {
		t.Errorf("defaults = %v", def)
	}
	if _, ok := def["org.opencontainers.image.source"]; ok {
		t.Error("an empty source became a label")
	}
}

func TestParseCreated(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	for in, want := range map[string]time.Time{
		"":                     now.Truncate(time.Second),
		"1700000000":           time.Unix(1700000000, 0).UTC(),
		"2026-11-25T10:00:00Z": time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
	} {
		got, err := ParseCreated(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseCreated(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"yesterday", "-5", "17e8", "2026-11-25"} {
		if _, err := ParseCreated(bad, now); err == nil {
			t.Errorf("ParseCreated(%q) accepted", bad)
		}
	}
}

func TestHealthchecks(t *testing.T) {
	t.Parallel()
	got := NodeHealthcheck(8765, "/health")
	if got[0] != "node" || got[1] != "-e" || !strings.Contains(got[2], `"http://127.0.0.1:8765/health"`) {
		t.Errorf("NodeHealthcheck = %q", got)
	}
	if got := NginxHealthcheck("/"); !reflect.DeepEqual(got, []string{"sh", "-c", "curl -fsS -o /dev/null --max-time 4 http://127.0.0.1:80/ || wget -q --spider http://127.0.0.1:80/"}) {
		t.Errorf("NginxHealthcheck = %q", got)
	}
}

func TestStepError(t *testing.T) {
	t.Parallel()
	out := strings.Repeat("noise\n", 50) + "npm ERR! missing script: build:web\n"
	e := &StepError{Image: "frontend", Step: "npm run build:web", ExitCode: 1, Tail: Tail(out, "\nnpm ERR! A complete log\n", 3)}
	want := "building frontend: step \"npm run build:web\" failed with exit code 1\n    | noise\n    | npm ERR! missing script: build:web\n    | npm ERR! A complete log"
	if e.Error() != want {
		t.Errorf("StepError =\n%s\nwant\n%s", e.Error(), want)
	}
}

// The +ignore pragma of ci/main.go must be exactly ContextIgnore.
func TestCIPragmaMatchesContextIgnore(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../../ci/main.go")
	if err != nil {
		t.Fatalf("reading ci/main.go: %v", err)
	}
	m := regexp.MustCompile(`(?m)^\s*// \+ignore=\[(.*)\]$`).FindSubmatch(src)
	if m == nil {
		t.Fatal("ci/main.go has no +ignore pragma")
	}
	var got []string
	for _, q := range regexp.MustCompile(`"([^"]*)"`).FindAllSubmatch(m[1], -1) {
		got = append(got, string(q[1]))
	}
	if !reflect.DeepEqual(got, ContextIgnore) {
		t.Errorf("ci/main.go +ignore = %q\nwant recipe.ContextIgnore = %q", got, ContextIgnore)
	}
}

func TestDefaultNginxConfig(t *testing.T) {
	t.Parallel()
	conf := DefaultNginxConfig("backend", 9000)
	if strings.Contains(conf, "{{") || !strings.Contains(conf, "server backend:9000;") {
		t.Errorf("backend address not substituted:\n%s", conf)
	}
}

func TestJoinCommand(t *testing.T) {
	t.Parallel()
	argv := []string{"npm", "run", "build:web", "it's", "", "a b"}
	got := JoinCommand(argv)
	if got != `npm run build:web 'it'\''s' '' 'a b'` {
		t.Errorf("JoinCommand = %s", got)
	}
	back, err := SplitCommand(got)
	if err != nil || !reflect.DeepEqual(back, argv) {
		t.Errorf("SplitCommand(JoinCommand) = %q, %v", back, err)
	}
}

func TestParseEnv(t *testing.T) {
	t.Parallel()
	got, err := ParseEnv([]string{"LOG_LEVEL=debug", "FEATURE_X=", "URL=http://a/b?c=d", "LOG_LEVEL=info"})
	want := [][2]string{{"LOG_LEVEL", "info"}, {"FEATURE_X", ""}, {"URL", "http://a/b?c=d"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ParseEnv = %q, %v", got, err)
	}
	for _, bad := range []string{"NOVALUE", "=x", "1ABC=x", "A-B=x", "A B=x"} {
		if _, err := ParseEnv([]string{bad}); err == nil || !strings.Contains(err.Error(), "want NAME=VALUE") {
			t.Errorf("ParseEnv(%q) error = %v", bad, err)
		}
	}
}

func FuzzParseEnv(f *testing.F) {
	f.Add("A=b")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseEnv([]string{s})
		if err == nil && (len(got) != 1 || got[0][0]+"="+got[0][1] != s) {
			t.Fatalf("ParseEnv(%q) = %q", s, got)
		}
	})
}
