package recipe

import (
	_ "embed"
	"strconv"
	"strings"
)

// BackendHost is the hostname the frontend reaches the backend by: the
// module's default nginx config proxies to it, and the smoke tests bind the
// backend service under it.
const BackendHost = "backend"

//go:embed default.conf
var defaultNginxConfig string

// DefaultNginxConfig returns the module's nginx server config for an app
// without one of its own, proxying /api/ and /socket.io/ to host:port.
func DefaultNginxConfig(host string, port int) string {
	return strings.ReplaceAll(defaultNginxConfig, "{{BACKEND}}", host+":"+strconv.Itoa(port))
}

// JoinCommand writes argv as one shell-quoted line, for messages.
func JoinCommand(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`;&|<>(){}*?[]#~") {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}
