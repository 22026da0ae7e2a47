package publish_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/stack-ci/stack/pipelines/oci/ocitest"
	"github.com/stack-ci/stack/pipelines/publish"
	"github.com/stack-ci/stack/pipelines/publish/registrytest"
	"github.com/stack-ci/stack/pipelines/report"
	"github.com/stack-ci/stack/pipelines/report/reporttest"
)

func TestPushRightCredentials(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	reg := registrytest.New(t, registrytest.WithUser(user, password))
	targets := plan(t, reg.Host)
	var mu sync.Mutex
	updates := map[string][]publish.Update{}
	res, err := publish.Push(context.Background(), s.approval(t), targets, s.tarballs,
		publish.WithBasicAuth(user, password),
		publish.WithProgress(func(u publish.Update) {
			mu.Lock()
			defer mu.Unlock()
			updates[u.Image] = append(updates[u.Image], u)
		}))
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	if len(res) != 2 {
		t.Fatalf("got %d results, want 2", len(res))
	}
	if s.digests["frontend"] == s.digests["backend"] {
		t.Fatal("the two test images have the same digest")
	}
	wantTags := []string{"1.2.3", "1.2", "1", "sha-abc1234", "latest"}
	for i, r := range res {
		image := targets[i].Image
		repo := "team/hivemind-" + image
		digest := s.digests[image]
		if r.Image != image || r.Repository != reg.Host+"/"+repo {
			t.Errorf("result %d is for %s in %s, want %s in %s", i, r.Image, r.Repository, image, reg.Host+"/"+repo)
		}
		if r.Err != nil {
			t.Errorf("%s: %v", image, r.Err)
		}
		if r.Digest != digest {
			t.Errorf("%s: pushed digest %s, want %s", image, r.Digest, digest)
		}
		if !slices.Equal(r.Tags, wantTags) {
			t.Errorf("%s: tags %v, want %v", image, r.Tags, wantTags)
		}
		var wantRefs []string
		for _, tag := range wantTags {
			wantRefs = append(wantRefs, reg.Host+"/"+repo+":"+tag+"@"+digest.String())
			// Read from the registry itself, not through the client.
			if got := reg.Resolve(t, repo, tag); got != digest.String() {
				t.Errorf("%s:%s resolves to %q, want %s", repo, tag, got, digest)
			}
		}
		if !slices.Equal(r.Refs, wantRefs) {
			t.Errorf("%s: refs\n%v\nwant\n%v", image, r.Refs, wantRefs)
		}
		if got := reg.Tags(t, repo); !slices.Equal(got, []string{"1", "1.2", "1.2.3", "latest", "sha-abc1234"}) {
			t.Errorf("%s holds tags %v", repo, got)
		}

		// One upload per blob, one manifest PUT per tag, and no blob
		// request at all once the first manifest is in: tagging is a
		// manifest PUT only.
		commits := reg.BlobCommits(repo)
		if len(commits) != s.blobs[image] {
			t.Errorf("%s: %d blobs uploaded, want %d (layers and config): %v", image, len(commits), s.blobs[image], commits)
		}
		for d, n := range commits {
			if n != 1 {
				t.Errorf("%s: blob %s uploaded %d times", image, d, n)
			}
		}
		if got := reg.ManifestPuts(repo); !slices.Equal(got, wantTags) {
			t.Errorf("%s: manifest PUTs %v, want one per tag %v", image, got, wantTags)
		}
		afterFirst := false
		for _, q := range reg.Requests() {
			if q.Method == http.MethodPut && q.Path == "/v2/"+repo+"/manifests/1.2.3" {
				afterFirst = true
			} else if afterFirst && strings.HasPrefix(q.Path, "/v2/"+repo+"/blobs/") {
				t.Errorf("%s: blob request %s %s after the image was pushed", image, q.Method, q.Path)
			}
		}

		// Progress ends with everything sent and never goes back.
		us := updates[image]
		if len(us) < 2 {
			t.Fatalf("%s: %d progress updates, want at least a start and an end", image, len(us))
		}
		img, err := publish.OpenImage(s.tarballs[image])
		if err != nil {
			t.Fatal(err)
		}
		img.Close()
		last := us[len(us)-1]
		if last.Done != img.Size || last.Total != img.Size {
			t.Errorf("%s: last progress %+v, want %d of %d", image, last, img.Size, img.Size)
		}
		for j := 1; j < len(us); j++ {
			if us[j].Done < us[j-1].Done {
				t.Errorf("%s: progress went back from %d to %d", image, us[j-1].Done, us[j].Done)
			}
		}
	}

	// The results go into the report as a passed publish stage.
	b := report.New(report.Source{App: "hivemind"}, report.WithStages(report.StagePublish))
	b.AddPublish(releaseTags(t), res.Pushed(), time.Second)
	rep := b.Report()
	if st, _ := rep.Stage(report.StagePublish); st.Status != report.StatusPassed {
		t.Errorf("publish stage is %s (%s), want passed", st.Status, st.Summary)
	}
	if im, _ := rep.Image("frontend"); im.Ref != res[0].Refs[0] {
		t.Errorf("the report's frontend ref is %q, want %q", im.Ref, res[0].Refs[0])
	}
}

// A pushed image is the image of the tarball, byte for byte: pulling it
// gives the same manifest, config and layers.
func TestPushKeepsTheImage(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	reg := registrytest.New(t)
	targets := plan(t, reg.Host, "backend")
	if _, err := publish.Push(context.Background(), s.approval(t), targets, map[string]string{"backend": s.tarballs["backend"]}); err != nil {
		t.Fatal(err)
	}
	local, err := publish.OpenImage(s.tarballs["backend"])
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	ref, err := name.ParseReference(targets[0].Refs[0])
	if err != nil {
		t.Fatal(err)
	}
	remoteImg, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []struct {
		what   string
		local  func() ([]byte, error)
		remote func() ([]byte, error)
	}{
		{"manifest", local.V1.RawManifest, remoteImg.RawManifest},
		{"config", local.V1.RawConfigFile, remoteImg.RawConfigFile},
	} {
		l, err := part.local()
		if err != nil {
			t.Fatal(err)
		}
		r, err := part.remote()
		if err != nil {
			t.Fatal(err)
		}
		if string(l) != string(r) {
			t.Errorf("the pulled %s differs from the tarball's:\n%s\n%s", part.what, r, l)
		}
	}
	layers, err := remoteImg.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := v1.SHA256(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := l.Digest()
		if got != want {
			t.Errorf("layer %d pulled with digest %s, want %s", i, got, want)
		}
	}
}

func TestPushWrongPassword(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	reg := registrytest.New(t, registrytest.WithUser(user, password))
	wrong := "wrong-" + password
	res, err := publish.Push(context.Background(), s.approval(t), plan(t, reg.Host), s.tarballs,
		publish.WithBasicAuth(user, wrong), fast)
	if err == nil {
		t.Fatal("Push with a wrong password succeeded")
	}
	t.Logf("error: %v", err)
	var perr *publish.Error
	if !errors.As(err, &perr) || perr.Kind != publish.KindUnauthorized {
		t.Fatalf("error %v is not an unauthorized *publish.Error", err)
	}
	for _, want := range []string{`registry ` + reg.Host + ` refused the credentials of user "ci-bot"`, "check --registry-username and --registry-password"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	assertNoSecret(t, err, res, user, wrong)
	for _, r := range res {
		if r.Err == nil || len(r.Refs) != 0 || len(r.Tags) != 0 || r.Digest != (v1.Hash{}) {
			t.Errorf("%s is reported as published: %+v", r.Image, r)
		}
		if p := r.Pushed(); len(p.Refs) != 0 || p.Digest != "" || p.Error == "" {
			t.Errorf("%s goes into the report as %+v", r.Image, p)
		}
	}
	if repos := reg.Repositories(t); len(repos) != 0 {
		t.Errorf("the registry holds %v", repos)
	}
	for _, q := range reg.Requests() {
		if q.Status < 400 && q.Method != http.MethodGet && q.Method != http.MethodHead {
			t.Errorf("the registry accepted %s %s", q.Method, q.Path)
		}
	}
}

func TestPushAuthErrors(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	for _, tc := range []struct {
		name     string
		registry []registrytest.Option
		opts     []publish.Option
		kind     publish.ErrorKind
		say      []string
	}{
		{
			name:     "no credentials",
			registry: []registrytest.Option{registrytest.WithUser(user, password)},
			kind:     publish.KindUnauthorized,
			say:      []string{"requires credentials and none were given: pass --registry-username and --registry-password"},
		},
		{
			name:     "unknown user",
			registry: []registrytest.Option{registrytest.WithUser(user, password)},
			opts:     []publish.Option{publish.WithBasicAuth("nobody", password)},
			kind:     publish.KindUnauthorized,
			say:      []string{`refused the credentials of user "nobody"`},
		},
		{
			name:     "read-only user",
			registry: []registrytest.Option{registrytest.WithUser(user, password), registrytest.WithReadOnlyUser(reader, readerPW)},
			opts:     []publish.Option{publish.WithBasicAuth(reader, readerPW)},
			kind:     publish.KindDenied,
			say:      []string{`user "viewer" may not push to `, "/team/hivemind-frontend", "write access"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reg := registrytest.New(t, tc.registry...)
			res, err := publish.Push(context.Background(), s.approval(t), plan(t, reg.Host), s.tarballs, append(tc.opts, fast)...)
			t.Logf("error: %v", err)
			var perr *publish.Error
			if !errors.As(err, &perr) || perr.Kind != tc.kind {
				t.Fatalf("error %v, want a %s *publish.Error", err, tc.kind)
			}
			for _, want := range tc.say {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			for _, r := range res {
				if r.Err == nil || len(r.Refs) != 0 {
					t.Errorf("%s: %+v, want an error and no refs", r.Image, r)
				}
			}
			if repos := reg.Repositories(t); len(repos) != 0 {
				t.Errorf("the registry holds %v", repos)
			}
		})
	}
}

// A repository that does not exist and is not created on push (as in ECR)
// fails that image only: the other is published.
func TestPushNameUnknown(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	reg := registrytest.New(t, registrytest.WithUser(user, password), registrytest.WithRepositories("team/hivemind-backend"))
	res, err := publish.Push(context.Background(), s.approval(t), plan(t, reg.Host), s.tarballs, publish.WithBasicAuth(user, password), fast)
	t.Logf("error: %v", err)
	var perr *publish.Error
	if !errors.As(err, &perr) || perr.Kind != publish.KindNameUnknown || perr.Image != "frontend" {
		t.Fatalf("error %v, want a name-unknown *publish.Error for frontend", err)
	}
	if want := "repository " + reg.Host + "/team/hivemind-frontend does not exist"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if res[0].Err == nil || len(res[0].Refs) != 0 {
		t.Errorf("frontend: %+v", res[0])
	}
	if res[1].Err != nil || len(res[1].Refs) != 5 {
		t.Errorf("backend: %+v, want 5 refs and no error", res[1])
	}
	if got := reg.Repositories(t); !slices.Equal(got, []string{"team/hivemind-backend"}) {
		t.Errorf("the registry holds %v", got)
	}
}

// A tag whose manifest PUT fails: the tags before it are published and
// listed, the ones after are not applied, and the error says which.
func TestPushPartialFailure(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	reg := registrytest.New(t, registrytest.WithUser(user, password), registrytest.WithFailingTag("1", http.StatusInternalServerError))
	targets := plan(t, reg.Host)
	res, err := publish.Push(context.Background(), s.approval(t), targets, s.tarballs, publish.WithBasicAuth(user, password), fast)
	if err == nil {
		t.Fatal("Push succeeded although tag 1 cannot be written")
	}
	for i, r := range res {
		repo := "team/hivemind-" + targets[i].Image
		var perr *publish.Error
		if !errors.As(r.Err, &perr) || perr.Kind != publish.KindServer || perr.Op != "tagging" || perr.Ref != reg.Host+"/"+repo+":1" {
			t.Fatalf("%s: error %v, want a server error tagging %s:1", r.Image, r.Err, repo)
		}
		if !strings.Contains(r.Err.Error(), "not applied: sha-abc1234, latest") {
			t.Errorf("%s: error %q does not list the tags not applied", r.Image, r.Err)
		}
		if !slices.Equal(r.Tags, []string{"1.2.3", "1.2"}) {
			t.Errorf("%s: tags %v, want 1.2.3 and 1.2", r.Image, r.Tags)
		}
		if len(r.Refs) != 2 || !strings.HasSuffix(r.Refs[1], ":1.2@"+s.digests[r.Image].String()) {
			t.Errorf("%s: refs %v", r.Image, r.Refs)
		}
		if r.Digest != s.digests[r.Image] {
			t.Errorf("%s: digest %s, want %s", r.Image, r.Digest, s.digests[r.Image])
		}
		if got := reg.Tags(t, repo); !slices.Equal(got, []string{"1.2", "1.2.3"}) {
			t.Errorf("%s holds tags %v, want 1.2 and 1.2.3", repo, got)
		}
		p := r.Pushed()
		if len(p.Refs) != 2 || p.Error == "" || p.Digest == "" {
			t.Errorf("%s goes into the report as %+v", r.Image, p)
		}
	}
	b := report.New(report.Source{App: "hivemind"}, report.WithStages(report.StagePublish))
	b.AddPublish(releaseTags(t), res.Pushed(), time.Second)
	if st, _ := b.Report().Stage(report.StagePublish); st.Status != report.StatusFailed {
		t.Errorf("publish stage is %s, want failed", st.Status)
	}
}

// A failed gate sends nothing at all to the registry.
func TestPublishFailedGate(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	for _, tc := range []struct {
		name   string
		report *report.Report
		stages []string
	}{
		{"gates failed", reporttest.GatesFailed(), []string{"scan", "budget", "policy", "smoke"}},
		{"build failed", reporttest.BuildFailed(), []string{"build", "scan", "budget", "policy", "smoke"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reg := registrytest.New(t, registrytest.WithUser(user, password))
			res, err := publish.Publish(context.Background(), tc.report, plan(t, reg.Host), s.tarballs, publish.WithBasicAuth(user, password))
			t.Logf("error: %v", err)
			var gerr *publish.GateError
			if !errors.As(err, &gerr) {
				t.Fatalf("Publish: %v, want a *GateError", err)
			}
			if !slices.Equal(gerr.Names(), tc.stages) {
				t.Errorf("stages %v, want %v", gerr.Names(), tc.stages)
			}
			if res != nil {
				t.Errorf("results %+v, want none", res)
			}
			if q := reg.Requests(); len(q) != 0 {
				t.Errorf("the registry got %d requests, first %+v", len(q), q[0])
			}
		})
	}
}

// Push refuses, before sending anything, whatever it cannot publish whole.
func TestPushRefusals(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	reg := registrytest.New(t)
	targets := plan(t, reg.Host)
	other := map[string]string{"frontend": s.tarballs["backend"], "backend": s.tarballs["backend"]}
	withExtra := map[string]string{"frontend": s.tarballs["frontend"], "backend": s.tarballs["backend"], "worker": s.tarballs["backend"]}
	noTags := slices.Clone(targets)
	noTags[1].Tags = nil
	multi := filepath.Join(t.TempDir(), "multi.tar")
	ocitest.WriteOCIIndex(t, multi, ocitest.Index(t,
		ocitest.PlatformImage(t, v1.Platform{OS: "linux", Architecture: "amd64"}, v1.Config{}, ocitest.Step{Layer: ocitest.Layer(t, ocitest.Text("a", "amd64"))}),
		ocitest.PlatformImage(t, v1.Platform{OS: "linux", Architecture: "arm64"}, v1.Config{}, ocitest.Step{Layer: ocitest.Layer(t, ocitest.Text("a", "arm64"))}),
	))
	for _, tc := range []struct {
		name     string
		approval *publish.Approval
		targets  []publish.Target
		tarballs map[string]string
		opts     []publish.Option
		say      string
	}{
		{"no approval", nil, targets, s.tarballs, nil, "no approval; get one from Gate"},
		{"zero approval", &publish.Approval{}, targets, s.tarballs, nil, "no approval"},
		{"no targets", s.approval(t), nil, s.tarballs, nil, "no targets"},
		{"missing tarball", s.approval(t), targets, map[string]string{"frontend": s.tarballs["frontend"]}, nil, `no tarball for image "backend"`},
		{"tarball without target", s.approval(t), targets, withExtra, nil, `a tarball is given for image "worker", which has no target`},
		{"not the image checked", s.approval(t), targets, other, nil, "the frontend tarball holds the image " + s.digests["backend"].String() + " but the report checked " + s.digests["frontend"].String()},
		{"target without tags", s.approval(t), noTags, s.tarballs, nil, `image "backend": no tags to publish`},
		{"missing file", s.approval(t), targets, map[string]string{"frontend": s.tarballs["frontend"], "backend": "/nonexistent/backend.tar"}, nil, "/nonexistent/backend.tar"},
		{"multi-platform", s.approval(t), targets, map[string]string{"frontend": s.tarballs["frontend"], "backend": multi}, nil, "holds images for several platforms (linux/amd64, linux/arm64); publishing a multi-platform image is not supported"},
		{"user without password", s.approval(t), targets, s.tarballs, []publish.Option{publish.WithBasicAuth(user, "")}, `registry user "ci-bot" was given without a password: pass --registry-password`},
		{"password without user", s.approval(t), targets, s.tarballs, []publish.Option{publish.WithBasicAuth("", password)}, "a registry password was given without a user name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := publish.Push(context.Background(), tc.approval, tc.targets, tc.tarballs, tc.opts...)
			t.Logf("error: %v", err)
			if err == nil || !strings.Contains(err.Error(), tc.say) {
				t.Errorf("error %v, want one saying %q", err, tc.say)
			}
			if res != nil {
				t.Errorf("results %+v, want none", res)
			}
			assertNoSecret(t, err, nil, user, password)
		})
	}
	// One registry for all the cases: none of them sent anything.
	if q := reg.Requests(); len(q) != 0 {
		t.Errorf("the registry got %d requests, first %+v", len(q), q[0])
	}
}

// Whatever the registry says back, the password is not in any error, even
// when the registry quotes the Authorization header and the credentials it
// decoded from it.
func TestPushPasswordNeverInErrors(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	for _, tc := range []struct {
		name     string
		registry []registrytest.Option
		user, pw string
	}{
		{"wrong password", []registrytest.Option{registrytest.WithUser(user, password)}, user, "not-" + password},
		{"read-only user", []registrytest.Option{registrytest.WithReadOnlyUser(reader, readerPW)}, reader, readerPW},
		{"failing tag", []registrytest.Option{registrytest.WithUser(user, password), registrytest.WithFailingTag("latest", http.StatusBadGateway)}, user, password},
		{"failing first tag", []registrytest.Option{registrytest.WithUser(user, password), registrytest.WithFailingTag("1.2.3", http.StatusBadRequest)}, user, password},
		{"unknown repository", []registrytest.Option{registrytest.WithUser(user, password), registrytest.WithRepositories("other")}, user, password},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reg := registrytest.New(t, append(tc.registry, registrytest.WithEcho())...)
			res, err := publish.Push(context.Background(), s.approval(t), plan(t, reg.Host), s.tarballs, publish.WithBasicAuth(tc.user, tc.pw), fast)
			if err == nil {
				t.Fatal("Push succeeded")
			}
			t.Logf("error: %v", err)
			assertNoSecret(t, err, res, tc.user, tc.pw)
		})
	}

	// The registry does echo: the test above would catch a leak.
	reg := registrytest.New(t, registrytest.WithReadOnlyUser(reader, readerPW), registrytest.WithEcho())
	req, _ := http.NewRequest(http.MethodPost, reg.URL+"/v2/team/x/blobs/uploads/", nil)
	req.SetBasicAuth(reader, readerPW)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), readerPW) || !strings.Contains(string(body), base64.StdEncoding.EncodeToString([]byte(reader+":"+readerPW))) {
		t.Errorf("the echoing registry answered %s without the credentials", body)
	}
}

// assertNoSecret fails if the password, or the Basic credentials made from
// it, appear in err, in any error it wraps, or in the results.
func assertNoSecret(t *testing.T, err error, res publish.Results, user, pw string) {
	t.Helper()
	forbidden := []string{pw, base64.StdEncoding.EncodeToString([]byte(user + ":" + pw))}
	var texts []string
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		texts = append(texts, e.Error())
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	for _, r := range res {
		walk(r.Err)
		p := r.Pushed()
		texts = append(texts, p.Error)
		var perr *publish.Error
		if errors.As(r.Err, &perr) {
			texts = append(texts, perr.Detail, perr.Message)
		}
	}
	for _, text := range texts {
		for _, f := range forbidden {
			if strings.Contains(text, f) {
				t.Errorf("an error holds the credentials %q: %s", f, text)
			}
		}
	}
}

// A registry on a loopback address other than 127.0.0.1 is spoken to in
// HTTPS: a plain HTTP one is explained, and WithInsecure reaches it.
func TestPushPlainHTTPRegistry(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2, which this test needs: %v", err)
	}
	ln.Close()
	reg := registrytest.New(t, registrytest.WithUser(user, password), registrytest.WithAddress("127.0.0.2:0"))
	targets := plan(t, reg.Host)
	_, err = publish.Push(context.Background(), s.approval(t), targets, s.tarballs, publish.WithBasicAuth(user, password), fast)
	t.Logf("error: %v", err)
	var perr *publish.Error
	if !errors.As(err, &perr) || perr.Kind != publish.KindPlainHTTP {
		t.Fatalf("error %v, want a plain-http *publish.Error", err)
	}
	if want := "registry " + reg.Host + " speaks plain HTTP, not HTTPS: if it is meant to (a local or internal registry), set --registry-insecure"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	res, err := publish.Push(context.Background(), s.approval(t), targets, s.tarballs, publish.WithBasicAuth(user, password), publish.WithInsecure(true), fast)
	if err != nil {
		t.Fatalf("Push with WithInsecure: %v", err)
	}
	if len(res[0].Refs) != 5 || len(res[1].Refs) != 5 {
		t.Errorf("refs %v and %v, want 5 each", res[0].Refs, res[1].Refs)
	}
}

// An HTTPS registry whose certificate is not trusted is explained; trusting
// it with WithTransport reaches it.
func TestPushUntrustedCertificate(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2, which this test needs: %v", err)
	}
	ln.Close()
	reg := registrytest.New(t, registrytest.WithUser(user, password), registrytest.WithAddress("127.0.0.2:0"), registrytest.WithTLS())
	targets := plan(t, reg.Host)
	_, err = publish.Push(context.Background(), s.approval(t), targets, s.tarballs, publish.WithBasicAuth(user, password), fast)
	t.Logf("error: %v", err)
	var perr *publish.Error
	if !errors.As(err, &perr) || perr.Kind != publish.KindTLS {
		t.Fatalf("error %v, want a tls *publish.Error", err)
	}
	if _, err := publish.Push(context.Background(), s.approval(t), targets, s.tarballs, publish.WithBasicAuth(user, password), publish.WithTransport(reg.Client().Transport), fast); err != nil {
		t.Fatalf("Push trusting the certificate: %v", err)
	}
}

func TestPushUnreachable(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = publish.Push(context.Background(), s.approval(t), plan(t, host), s.tarballs, publish.WithBasicAuth(user, password), fast)
	t.Logf("error: %v", err)
	var perr *publish.Error
	if !errors.As(err, &perr) || perr.Kind != publish.KindUnreachable {
		t.Fatalf("error %v, want an unreachable *publish.Error", err)
	}
	if want := "cannot connect to registry " + host + ": connection refused"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

func TestPushTimeout(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	reg := registrytest.New(t, registrytest.WithDelay(5*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := publish.Push(ctx, s.approval(t), plan(t, reg.Host), s.tarballs, fast)
	t.Logf("error: %v", err)
	var perr *publish.Error
	if !errors.As(err, &perr) || perr.Kind != publish.KindTimeout {
		t.Fatalf("error %v, want a timeout *publish.Error", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v is not context.DeadlineExceeded", err)
	}
	if want := "did not answer in time"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

// Pushing again is harmless: the tags already point at the image, so no
// blob is uploaded again.
func TestPushAgain(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	reg := registrytest.New(t, registrytest.WithUser(user, password))
	targets := plan(t, reg.Host)
	for i := range 2 {
		res, err := publish.Push(context.Background(), s.approval(t), targets, s.tarballs, publish.WithBasicAuth(user, password))
		if err != nil {
			t.Fatalf("push %d: %v", i+1, err)
		}
		if len(res[0].Refs) != 5 {
			t.Errorf("push %d: refs %v", i+1, res[0].Refs)
		}
	}
	for d, n := range reg.BlobCommits("team/hivemind-frontend") {
		if n != 1 {
			t.Errorf("blob %s uploaded %d times", d, n)
		}
	}
}

// The registry's own authentication flow, seen from the client: a
// go-containerregistry keychain-free pull with the same credentials works,
// so the registry is not refusing everything.
func TestRegistryAcceptsTheCredentials(t *testing.T) {
	t.Parallel()
	reg := registrytest.New(t, registrytest.WithUser(user, password))
	repo, err := name.NewRepository(reg.Host + "/team/x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := remote.List(repo, remote.WithAuth(&authn.Basic{Username: user, Password: password})); err == nil {
		t.Error("listing a repository that does not exist succeeded")
	} else if strings.Contains(err.Error(), "UNAUTHORIZED") {
		t.Errorf("the registry refused the right credentials: %v", err)
	}
}

// With a parallelism of one, the images are pushed one after the other, in
// target order.
func TestPushParallelism(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	reg := registrytest.New(t)
	if _, err := publish.Push(context.Background(), s.approval(t), plan(t, reg.Host), s.tarballs, publish.WithParallelism(1)); err != nil {
		t.Fatal(err)
	}
	lastFrontend, firstBackend := -1, -1
	for i, q := range reg.Requests() {
		switch {
		case strings.HasPrefix(q.Path, "/v2/team/hivemind-frontend/"):
			lastFrontend = i
		case strings.HasPrefix(q.Path, "/v2/team/hivemind-backend/") && firstBackend < 0:
			firstBackend = i
		}
	}
	if lastFrontend < 0 || firstBackend < lastFrontend {
		t.Errorf("the last frontend request is #%d and the first backend one #%d: not one after the other", lastFrontend, firstBackend)
	}
}
