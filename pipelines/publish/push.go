package publish

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"

	"github.com/stack-ci/stack/pipelines/report"
)

// The operations an Error names.
const (
	opPush   = "pushing"
	opTag    = "tagging"
	opVerify = "verifying"
)

// UserAgent is the User-Agent of the registry requests.
const UserAgent = "stack-ci-publish"

// Update is the progress of one image's push.
type Update struct {
	// Image is the image's name, e.g. "frontend".
	Image string
	// Done is the bytes sent so far, counting the blobs the registry
	// already had as done.
	Done int64
	// Total is the bytes of the image: its distinct layer blobs, config
	// and manifest (Image.Size).
	Total int64
}

// Option configures Push and Publish.
type Option func(*options)

type options struct {
	user, password string
	hasAuth        bool
	insecure       bool
	progress       func(Update)
	parallelism    int
	backoff        *remote.Backoff
	transport      http.RoundTripper
}

// WithBasicAuth authenticates with a user name and password (or token), as
// `docker login` does; go-containerregistry answers the registry's
// challenge (Basic, or a Bearer token exchange) with them. Without it, or
// with both empty, requests are anonymous. The password is kept in memory
// only and never appears in an error.
func WithBasicAuth(username, password string) Option {
	return func(o *options) { o.user, o.password, o.hasAuth = username, password, true }
}

// WithInsecure allows a registry that speaks plain HTTP (a local or
// internal registry): go-containerregistry tries HTTPS first and falls back
// to HTTP. Loopback and RFC 1918 addresses are plain HTTP without it.
func WithInsecure(insecure bool) Option {
	return func(o *options) { o.insecure = insecure }
}

// WithProgress calls fn as each image's blobs are sent: at the start, about
// every 1% or 1 MiB, and when the image is done. Calls are serialised, also
// across images pushed concurrently.
func WithProgress(fn func(Update)) Option {
	return func(o *options) { o.progress = fn }
}

// WithParallelism sets how many images are pushed at once (all of them by
// default). Each image's blobs are uploaded four at a time.
func WithParallelism(n int) Option {
	return func(o *options) { o.parallelism = n }
}

// WithRetry sets how many times a failed request is tried in all (at least
// once) and the wait before the first retry, which triples on each retry.
// The default is go-containerregistry's: 3 attempts from 1s, for network
// errors and statuses 408, 429 and 5xx. Authentication and permission
// errors are never retried.
func WithRetry(attempts int, wait time.Duration) Option {
	return func(o *options) {
		if attempts < 1 {
			attempts = 1
		}
		o.backoff = &remote.Backoff{Duration: wait, Factor: 3, Jitter: 0.1, Steps: attempts}
	}
}

// WithTransport sets the HTTP transport, e.g. one that trusts a private
// certificate authority. go-containerregistry wraps it with authentication
// and retries.
func WithTransport(t http.RoundTripper) Option {
	return func(o *options) { o.transport = t }
}

// Result is the outcome of one image's push. Refs lists only references
// that were written and then read back with the pushed digest: an image
// whose push failed has no Refs and no Digest, and one whose later tags
// failed lists the tags that were applied.
type Result struct {
	// Image is the image's name in the stack, e.g. "frontend".
	Image string
	// Repository is where it was pushed.
	Repository string
	// Digest is the manifest digest pushed; zero when the push failed.
	Digest v1.Hash
	// Tags are the tags that were applied and verified, in order.
	Tags []string
	// Refs are those tags as "repository:tag@sha256:…".
	Refs []string
	// Err is why the image, or some of its tags, could not be published:
	// an *Error (errors.As), or several joined.
	Err error
}

// Pushed converts the result for the report.
func (r Result) Pushed() report.Pushed {
	p := report.Pushed{Image: r.Image, Refs: append([]string{}, r.Refs...)}
	if r.Digest != (v1.Hash{}) {
		p.Digest = r.Digest.String()
	}
	if r.Err != nil {
		p.Error = r.Err.Error()
	}
	return p
}

// Results are the outcomes of a push, in target order.
type Results []Result

// Pushed converts the results for the report (report.Builder.AddPublish).
func (rs Results) Pushed() []report.Pushed {
	out := make([]report.Pushed, len(rs))
	for i, r := range rs {
		out[i] = r.Pushed()
	}
	return out
}

// Err joins the errors of the images that failed; nil when all were
// published.
func (rs Results) Err() error {
	var errs []error
	for _, r := range rs {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	return errors.Join(errs...)
}

// Publish gates and pushes: Gate(r), then Push with its approval. A run
// that did not pass pushes nothing and sends no request (a *GateError).
func Publish(ctx context.Context, r *report.Report, targets []Target, tarballs map[string]string, opts ...Option) (Results, error) {
	a, err := Gate(r)
	if err != nil {
		return nil, err
	}
	return Push(ctx, a, targets, tarballs, opts...)
}

// Push publishes each target's image from its tarball (tarballs maps
// Target.Image to the tarball's path) once the gate approved the run:
//
//  1. Before any request, every tarball is opened (OpenImage) and checked:
//     the approved report must list the image and, when it recorded the
//     image's digest, the tarball must hold that image. Any problem, or a
//     missing approval, a tarball without a target or a target without a
//     tarball, refuses the whole push: Results is nil and nothing is sent.
//  2. Each image is pushed once, under its first tag (remote.Write: the
//     blobs the registry lacks, then the manifest).
//  3. Every other tag is added by a manifest PUT alone (remote.Tag), in
//     order; the first tag that fails stops the tagging, so a less specific
//     tag (latest) never moves when a more specific one failed.
//  4. Every applied tag is read back (HEAD, or GET when HEAD fails) and must
//     resolve to the pushed digest.
//
// Images are pushed concurrently (WithParallelism) and independently: one
// failing does not stop the others. The Results have one entry per target,
// in order; the error joins the images' errors (each an *Error). A refusal
// before pushing returns nil Results.
func Push(ctx context.Context, a *Approval, targets []Target, tarballs map[string]string, opts ...Option) (Results, error) {
	if !a.valid() {
		return nil, errors.New("publishing refused: no approval; get one from Gate with the report of a run that passed")
	}
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.hasAuth && (o.user == "") != (o.password == "") {
		if o.user == "" {
			return nil, fmt.Errorf("publishing refused: a registry password was given without a user name: pass %s too", FlagUsername)
		}
		return nil, fmt.Errorf("publishing refused: registry user %q was given without a password: pass %s too", o.user, FlagPassword)
	}
	imgs, err := prepare(a, targets, tarballs)
	if err != nil {
		return nil, fmt.Errorf("publishing refused: %w", err)
	}
	defer func() {
		for _, img := range imgs {
			_ = img.Close()
		}
	}()
	p := newPusher(ctx, o)
	results := make(Results, len(targets))
	var g errgroup.Group
	if o.parallelism > 0 {
		g.SetLimit(o.parallelism)
	}
	for i, t := range targets {
		g.Go(func() error {
			results[i] = p.push(t, imgs[i])
			return nil
		})
	}
	_ = g.Wait()
	return results, results.Err()
}

// prepare checks the targets and opens their tarballs, in target order.
func prepare(a *Approval, targets []Target, tarballs map[string]string) (imgs []*Image, err error) {
	defer func() {
		if err != nil {
			for _, img := range imgs {
				_ = img.Close()
			}
			imgs = nil
		}
	}()
	if len(targets) == 0 {
		return nil, errors.New("no targets: make them with Plan")
	}
	seenImage, seenRepo := map[string]bool{}, map[string]string{}
	for _, t := range targets {
		if t.Image == "" {
			return imgs, fmt.Errorf("a target for repository %q has no image name", t.Repository)
		}
		if seenImage[t.Image] {
			return imgs, fmt.Errorf("image %q has two targets", t.Image)
		}
		seenImage[t.Image] = true
		if prev, ok := seenRepo[t.Repository]; ok {
			return imgs, fmt.Errorf("images %q and %q both go to repository %q", prev, t.Image, t.Repository)
		}
		seenRepo[t.Repository] = t.Image
		if len(t.Tags) == 0 {
			return imgs, fmt.Errorf("image %q: %w: its target has no tags", t.Image, ErrNoTags)
		}
		for _, tag := range t.Tags {
			if _, err := name.NewTag(t.Repository+":"+tag, name.StrictValidation); err != nil {
				return imgs, fmt.Errorf("image %q: reference %q: %w", t.Image, t.Repository+":"+tag, err)
			}
		}
		path, ok := tarballs[t.Image]
		if !ok || path == "" {
			return imgs, fmt.Errorf("no tarball for image %q (tarballs are given for %s)", t.Image, quoteList(sortedKeys(tarballs)))
		}
		img, err := OpenImage(path)
		if err != nil {
			return imgs, fmt.Errorf("image %q: %w", t.Image, err)
		}
		imgs = append(imgs, img)
		if err := a.check(t.Image, img.Digest.String()); err != nil {
			return imgs, err
		}
	}
	for im := range tarballs {
		if !seenImage[im] {
			return imgs, fmt.Errorf("a tarball is given for image %q, which has no target (the targets are %s)", im, quoteList(sortedKeys(seenImage)))
		}
	}
	return imgs, nil
}

// pusher holds what every image's push shares.
type pusher struct {
	ctx      context.Context
	o        options
	auth     authn.Authenticator
	nameOpts []name.Option
	secrets  []string
	progMu   sync.Mutex
}

func newPusher(ctx context.Context, o options) *pusher {
	p := &pusher{ctx: ctx, o: o, auth: authn.Anonymous, nameOpts: []name.Option{name.StrictValidation}}
	if o.user != "" || o.password != "" {
		p.auth = authn.FromConfig(authn.AuthConfig{Username: o.user, Password: o.password})
		p.secrets = secretForms(o.user, o.password)
	}
	if o.insecure {
		p.nameOpts = append(p.nameOpts, name.Insecure)
	}
	return p
}

// remoteOptions are the options of every registry call.
func (p *pusher) remoteOptions() []remote.Option {
	ro := []remote.Option{remote.WithContext(p.ctx), remote.WithAuth(p.auth), remote.WithUserAgent(UserAgent)}
	if p.o.backoff != nil {
		ro = append(ro, remote.WithRetryBackoff(*p.o.backoff))
	}
	if p.o.transport != nil {
		ro = append(ro, remote.WithTransport(p.o.transport))
	}
	return ro
}

// push publishes one image: once under the first tag, then the other tags,
// then checks them all.
func (p *pusher) push(t Target, img *Image) Result {
	res := Result{Image: t.Image, Repository: t.Repository}
	c := call{image: t.Image, repo: t.Repository, user: p.o.user, secrets: p.secrets}
	first, err := name.NewTag(t.Repository+":"+t.Tags[0], p.nameOpts...)
	if err != nil { // prepare checked the references
		res.Err = fmt.Errorf("pushing %s: %w", t.Image, err)
		return res
	}
	c.registry = first.RegistryStr()
	c.plainHTTP = first.Scheme() == "http"

	c.op, c.ref = opPush, t.Repository+":"+t.Tags[0]
	if err := p.write(first, t.Image, img); err != nil {
		res.Err = classify(err, c)
		return res
	}
	applied := []name.Tag{first}

	var errs []error
	rp, err := remote.NewPusher(p.remoteOptions()...)
	if err != nil {
		c.op, c.ref = opTag, t.Repository+":"+t.Tags[0]
		errs = append(errs, classify(err, c))
	} else {
		for i, tag := range t.Tags[1:] {
			ref, err := name.NewTag(t.Repository+":"+tag, p.nameOpts...)
			if err == nil {
				err = rp.Put(p.ctx, ref, img.V1)
			}
			if err != nil {
				c.op, c.ref = opTag, t.Repository+":"+tag
				e := classify(err, c)
				if rest := t.Tags[i+2:]; len(rest) > 0 {
					e.Message += fmt.Sprintf("; not applied: %s", strings.Join(rest, ", "))
				}
				errs = append(errs, e)
				break
			}
			applied = append(applied, ref)
		}
	}

	pl, err := remote.NewPuller(p.remoteOptions()...)
	if err != nil {
		c.op, c.ref = opVerify, t.Repository+":"+t.Tags[0]
		errs = append(errs, classify(err, c))
		applied = nil
	}
	for _, ref := range applied {
		c.op, c.ref = opVerify, t.Repository+":"+ref.TagStr()
		got, err := p.resolve(pl, ref)
		if err != nil {
			errs = append(errs, classify(err, c))
			continue
		}
		if got != img.Digest {
			errs = append(errs, &Error{Kind: KindMismatch, Op: opVerify, Image: t.Image, Ref: c.ref, Registry: c.registry, User: c.user,
				Message: fmt.Sprintf("the tag resolves to %s, not to the pushed %s: something else pushed to it meanwhile", got, img.Digest)})
			continue
		}
		res.Tags = append(res.Tags, ref.TagStr())
		res.Refs = append(res.Refs, t.Repository+":"+ref.TagStr()+"@"+img.Digest.String())
	}
	if len(res.Refs) > 0 {
		res.Digest = img.Digest
	}
	switch len(errs) {
	case 0:
	case 1:
		res.Err = errs[0]
	default:
		res.Err = errors.Join(errs...)
	}
	return res
}

// write pushes the image under ref, reporting progress.
func (p *pusher) write(ref name.Tag, image string, img *Image) error {
	ro := p.remoteOptions()
	if p.o.progress == nil {
		return remote.Write(ref, img.V1, ro...)
	}
	pr := &progressor{p: p, image: image, total: img.Size, step: max(img.Size/100, 1<<20), last: -1}
	pr.emit(0)
	updates := make(chan v1.Update, 64)
	written, consumed := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(consumed)
		for {
			select {
			case u, ok := <-updates:
				if !ok {
					return
				}
				pr.update(u)
			case <-written:
				// Every send happened before remote.Write returned: drain
				// what is buffered. (Write closes the channel, unless it
				// failed before starting.)
				for {
					select {
					case u, ok := <-updates:
						if !ok {
							return
						}
						pr.update(u)
					default:
						return
					}
				}
			}
		}
	}()
	err := remote.Write(ref, img.V1, append(ro, remote.WithProgress(updates))...)
	close(written)
	<-consumed
	if err == nil {
		pr.emit(img.Size)
	}
	return err
}

// progressor turns go-containerregistry's updates (one per read of a blob)
// into fewer calls of the progress function.
type progressor struct {
	p     *pusher
	image string
	total int64
	step  int64
	last  int64
}

func (pr *progressor) update(u v1.Update) {
	if u.Error != nil {
		return
	}
	done := min(u.Complete, pr.total)
	if done-pr.last >= pr.step || done == pr.total {
		pr.emit(done)
	}
}

func (pr *progressor) emit(done int64) {
	if done == pr.last {
		return
	}
	pr.last = done
	pr.p.progMu.Lock()
	defer pr.p.progMu.Unlock()
	pr.p.o.progress(Update{Image: pr.image, Done: done, Total: pr.total})
}

// resolve returns the digest ref points to: HEAD first, GET when the
// registry does not answer HEAD for manifests.
func (p *pusher) resolve(pl *remote.Puller, ref name.Tag) (v1.Hash, error) {
	d, err := pl.Head(p.ctx, ref)
	if err == nil {
		return d.Digest, nil
	}
	if p.ctx.Err() != nil {
		return v1.Hash{}, err
	}
	desc, gerr := pl.Get(p.ctx, ref)
	if gerr != nil {
		return v1.Hash{}, gerr
	}
	return desc.Digest, nil
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
