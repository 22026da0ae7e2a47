package nginxconf

import (
	"reflect"
	"strings"
	"testing"
)

const sample = `
# the HiveMind frontend
map $http_upgrade $connection_upgrade { default upgrade; '' close; }
upstream hivemind_backend {
    server backend:8765;   # the only place the backend is named
}
server {
    listen 80;
    listen [::]:80;
    add_header Content-Security-Policy "default-src 'self'; connect-src 'self' ws: wss:" always;
    location /api/ { proxy_pass http://hivemind_backend; }
    location /socket.io/ {
        proxy_pass http://hivemind_backend;
        proxy_set_header Upgrade $http_upgrade;
    }
    location /direct/ { proxy_pass http://other.internal:9000/x/; }
    location /dyn/ { proxy_pass http://$host:1234; }
    location ~* \.(js|css)$ { expires 1y; }
}
`

func TestParseFindsBackendsAndPorts(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Backends()
	if err != nil {
		t.Fatal(err)
	}
	want := []Backend{
		{Host: "backend", Port: 8765, Upstream: "hivemind_backend", Line: 5},
		{Host: "other.internal", Port: 9000, Line: 16},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Backends() = %+v, want %+v", got, want)
	}
	ports, err := c.ListenPorts()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ports, []int{80, 80}) {
		t.Errorf("ListenPorts() = %v", ports)
	}
	csp := c.Find("add_header")[0].Args
	if csp[1] != "default-src 'self'; connect-src 'self' ws: wss:" || csp[2] != "always" {
		t.Errorf("quoted argument read as %q", csp)
	}
	if re := c.Find("location")[4].Args; !reflect.DeepEqual(re, []string{"~*", `\.(js|css)$`}) {
		t.Errorf("regex location read as %q", re)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{"server {\n listen 80;\n", `line 2: unexpected end of file, expecting "}"`},
		{"listen 80", `line 1: directive "listen" is not terminated by ";"`},
		{"}\n", `line 1: unexpected "}"`},
		{"a;\n;", `line 2: unexpected ";"`},
		{"x \"open\n\n", `line 1: unterminated quoted string`},
		{"server { listen 80 }", `line 1: directive "listen" is not terminated by ";"`},
	} {
		_, err := Parse([]byte(tc.src))
		if err == nil || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("Parse(%q) error = %v, want …%s", tc.src, err, tc.want)
		}
	}
}

func TestBackendErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{"location / { proxy_pass backend; }", `line 1: proxy_pass "backend" is not an http(s) URL`},
		{"upstream u { server h:99999; } location / { proxy_pass http://u; }", `port "99999"`},
		{"location / { proxy_pass http://a http://b; }", "exactly one URL"},
	} {
		c, err := Parse([]byte(tc.src))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Backends(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Backends(%q) error = %v, want %s", tc.src, err, tc.want)
		}
	}
}

func TestFormatRoundTrip(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse([]byte(c.Format()))
	if err != nil {
		t.Fatalf("reparsing formatted config: %v\n%s", err, c.Format())
	}
	if !sameTree(c.Directives, again.Directives) {
		t.Errorf("round trip changed the config:\n%s", c.Format())
	}
}

// sameTree compares names, arguments and blocks, not line numbers.
func sameTree(a, b []*Directive) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].IsBlock != b[i].IsBlock || len(a[i].Args) != len(b[i].Args) {
			return false
		}
		for j := range a[i].Args {
			if a[i].Args[j] != b[i].Args[j] {
				return false
			}
		}
		if !sameTree(a[i].Block, b[i].Block) {
			return false
		}
	}
	return true
}

func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add(`a "b\"c" 'd' e\ f ${x}{ }`)
	f.Add("upstream u { server [::1]:80; } location / { proxy_pass https://u; }")
	f.Fuzz(func(t *testing.T, src string) {
		c, err := Parse([]byte(src))
		if err != nil {
			return
		}
		_, _ = c.Backends()
		_, _ = c.ListenPorts()
		out := c.Format()
		again, err := Parse([]byte(out))
		if err != nil {
			t.Fatalf("formatted config does not parse: %v\n%q", err, out)
		}
		if !sameTree(c.Directives, again.Directives) {
			t.Fatalf("round trip changed the config:\n%q\n%q", src, out)
		}
	})
}
