package registrytest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stack-ci/stack/pipelines/publish/registrytest"
)

func TestRegistry(t *testing.T) {
	t.Parallel()
	reg := registrytest.New(t,
		registrytest.WithUser("writer", "w-secret"),
		registrytest.WithReadOnlyUser("reader", "r-secret"),
		registrytest.WithRepositories("team/app"),
		registrytest.WithFailingTag("broken", http.StatusInternalServerError),
	)
	for _, tc := range []struct {
		name, method, path, user, pw string
		status                       int
		challenge                    bool
		code                         string
	}{
		{"ping without credentials", "GET", "/v2/", "", "", 401, true, "UNAUTHORIZED"},
		{"ping with a wrong password", "GET", "/v2/", "writer", "nope", 401, true, "UNAUTHORIZED"},
		{"ping", "GET", "/v2/", "writer", "w-secret", 200, false, ""},
		{"reader pings", "GET", "/v2/", "reader", "r-secret", 200, false, ""},
		{"reader reads", "GET", "/v2/team/app/tags/list", "reader", "r-secret", 404, false, "NAME_UNKNOWN"},
		{"reader writes", "POST", "/v2/team/app/blobs/uploads/", "reader", "r-secret", 403, false, "DENIED"},
		{"writer writes", "POST", "/v2/team/app/blobs/uploads/", "writer", "w-secret", 202, false, ""},
		{"unknown repository", "POST", "/v2/team/other/blobs/uploads/", "writer", "w-secret", 404, false, "NAME_UNKNOWN"},
		{"failing tag", "PUT", "/v2/team/app/manifests/broken", "writer", "w-secret", 500, false, "UNKNOWN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, reg.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pw)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d (%s)", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("WWW-Authenticate"); (got == `Basic realm="registrytest"`) != tc.challenge {
				t.Errorf("WWW-Authenticate %q", got)
			}
			if tc.code != "" && !strings.Contains(string(body), `"code":"`+tc.code+`"`) {
				t.Errorf("body %s has no code %s", body, tc.code)
			}
			if strings.Contains(string(body), tc.pw) && tc.pw != "" {
				t.Errorf("body %s quotes the password without WithEcho", body)
			}
		})
	}
	reqs := reg.Requests()
	if len(reqs) != 9 || reqs[0].Status != 401 || reqs[2].User != "writer" {
		t.Errorf("recorded %+v", reqs)
	}
	reg.Reset()
	if n := len(reg.Requests()); n != 0 {
		t.Errorf("%d requests after Reset", n)
	}
	if repos := reg.Repositories(t); len(repos) != 0 {
		t.Errorf("repositories %v", repos)
	}
	if tags := reg.Tags(t, "team/app"); tags != nil {
		t.Errorf("tags %v", tags)
	}
	if d := reg.Resolve(t, "team/app", "latest"); d != "" {
		t.Errorf("latest resolves to %q", d)
	}
}
