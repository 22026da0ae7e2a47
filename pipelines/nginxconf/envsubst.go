package nginxconf

import (
	"slices"
	"strings"
)

// Envsubst renders an nginx config template the way the official nginx
// image's entrypoint does (envsubst limited to the variables set in the
// environment): ${NAME} and $NAME are replaced when env defines NAME, and
// everything else — nginx's own $host, $uri… — is left as it is.
func Envsubst(template string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(template); {
		c := template[i]
		if c != '$' || i+1 >= len(template) {
			b.WriteByte(c)
			i++
			continue
		}
		if template[i+1] == '{' {
			if end := strings.IndexByte(template[i+2:], '}'); end >= 0 {
				name := template[i+2 : i+2+end]
				if v, ok := env[name]; ok && isName(name) {
					b.WriteString(v)
					i += end + 3
					continue
				}
			}
			b.WriteByte(c)
			i++
			continue
		}
		j := i + 1
		for j < len(template) && (template[j] == '_' || isAlnum(template[j])) {
			j++
		}
		name := template[i+1 : j]
		if v, ok := env[name]; ok && isName(name) {
			b.WriteString(v)
			i = j
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isName reports whether s is a shell variable name.
func isName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '_' && !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// Unset lists, sorted and once each, the ${NAME} references of a template
// that env does not define: Envsubst leaves them as they are, so nginx
// would read them literally. ($NAME without braces is not listed: nginx's
// own variables look the same.)
func Unset(template string, env map[string]string) []string {
	var out []string
	for rest := template; ; {
		i := strings.Index(rest, "${")
		if i < 0 {
			break
		}
		rest = rest[i+2:]
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			break
		}
		name := rest[:end]
		if _, ok := env[name]; !ok && isName(name) && !slices.Contains(out, name) {
			out = append(out, name)
		}
		rest = rest[end+1:]
	}
	slices.Sort(out)
	return out
}
