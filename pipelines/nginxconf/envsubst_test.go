package nginxconf

import (
	"strings"
	"testing"
)

func TestEnvsubst(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BACKEND_HOST": "api", "BACKEND_PORT": "3000", "EMPTY": ""}
	for in, want := range map[string]string{
		"server ${BACKEND_HOST}:${BACKEND_PORT};":     "server api:3000;",
		"server $BACKEND_HOST:$BACKEND_PORT;":         "server api:3000;",
		"proxy_set_header Host $host;":                "proxy_set_header Host $host;",
		"try_files $uri $uri/ /index.html;":           "try_files $uri $uri/ /index.html;",
		"set $x ${UNSET}; return 200 '${EMPTY}done';": "set $x ${UNSET}; return 200 'done';",
		"trailing $":        "trailing $",
		"${BACKEND_HOST":    "${BACKEND_HOST",
		"$BACKEND_HOSTNAME": "$BACKEND_HOSTNAME",
	} {
		if got := Envsubst(in, env); got != want {
			t.Errorf("Envsubst(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnset(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BACKEND_HOST": "api", "EMPTY": ""}
	for in, want := range map[string]string{
		"server ${BACKEND_HOST}:${BACKEND_PORT};":        "BACKEND_PORT",
		"${B} ${A} ${B} ${EMPTY} $C ${BACKEND_HOST}":     "A B",
		"proxy_set_header Host $host; try_files $uri /;": "",
		"${not a name} ${1X} ${":                         "",
	} {
		if got := strings.Join(Unset(in, env), " "); got != want {
			t.Errorf("Unset(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzEnvsubst(f *testing.F) {
	f.Add("server ${H}:$P; location / { proxy_pass http://$host; }")
	f.Fuzz(func(t *testing.T, s string) {
		// Without variables, a template renders to itself.
		if got := Envsubst(s, nil); got != s {
			t.Fatalf("Envsubst(%q, nil) = %q", s, got)
		}
		// What Unset lists stays in the rendering, as ${NAME}.
		for _, name := range Unset(s, nil) {
			if !strings.Contains(Envsubst(s, map[string]string{"H": "x"}), "${"+name+"}") && name != "H" {
				t.Fatalf("Unset(%q) lists %s, which Envsubst replaced", s, name)
			}
		}
		got := Envsubst(s, map[string]string{"H": "x"})
		if !strings.Contains(s, "$H") && !strings.Contains(s, "${H}") && got != s {
			t.Fatalf("Envsubst(%q) changed text with no $H: %q", s, got)
		}
	})
}
