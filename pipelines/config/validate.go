package config

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/stack-ci/stack/pipelines/policy"
	"github.com/stack-ci/stack/pipelines/recipe"
	"github.com/stack-ci/stack/pipelines/tags"
)

// Effective applies the defaults and the command-line overrides to cfg (as
// Parse returned it, or built in Go) and validates the result. Every image
// must have a kind by then (package detect fills the missing ones). The
// error, if any, is an Errors value with every problem, positioned in the
// file cfg was parsed from.
func Effective(cfg Config, o Overrides) (Config, error) {
	c, errs := effective(cfg, o, false)
	return c, errs.err()
}

func effective(cfg Config, o Overrides, partial bool) (Config, Errors) {
	c := cfg.clone()
	if len(c.Images) == 0 {
		c.Images = DefaultImages()
	}
	if c.Smoke.FrontDoor == "" {
		// decided before the arguments change kinds (a spa becoming a
		// dockerfile image stays the front door)
		if door, ok, _ := c.frontDoor(); ok {
			c.Smoke.FrontDoor = door
		}
	}
	errs := c.applyOverrides(o)
	c.fill()
	v := &checker{src: c.src, partial: partial}
	v.config(c)
	return c, append(errs, v.errs...)
}

// checker collects the problems of a configuration.
type checker struct {
	src     *source
	partial bool // images may lack a kind (package detect fills it later)
	errs    Errors
}

func (v *checker) add(p, format string, args ...any) {
	v.addNear(p, p, format, args...)
}

// addNear records a problem at path p, positioned at near (or its nearest
// written ancestor). A problem under a value that could not be read is
// dropped: the type error says it already.
func (v *checker) addNear(p, near, format string, args ...any) {
	if v.src.broken(p) {
		return
	}
	e := &Error{Path: p, Msg: fmt.Sprintf(format, args...)}
	if pos, ok := v.src.lookup(near); ok {
		e.File, e.Pos = v.src.file, pos
	} else if v.src != nil {
		e.File = v.src.file
	}
	v.errs = append(v.errs, e)
}

var (
	appNameRE   = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*$`)
	imageNameRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	scriptRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9:._-]*$`)
	dbIdentRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	stageRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	secretIDRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	headerRE    = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	varRE       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	eventRE     = regexp.MustCompile(`^[^\s]{1,100}$`)
)

func validateAppName(s string) string {
	if len(s) > 100 || !appNameRE.MatchString(s) {
		return fmt.Sprintf("%s is not a valid name: use lowercase letters and digits, separated by single '.', '_' or '-' (e.g. \"hivemind\")", quote(s))
	}
	return ""
}

func validateRegistry(s string) string {
	if strings.Contains(s, "://") {
		return fmt.Sprintf("%s: write the registry without a scheme, e.g. \"ghcr.io/acme\"", quote(s))
	}
	if _, err := name.NewRepository(strings.TrimSuffix(s, "/")+"/x", name.StrictValidation); err != nil {
		return fmt.Sprintf("%s is not a registry and namespace: %v (want e.g. \"ghcr.io/acme\")", quote(s), err)
	}
	return ""
}

func checkScript(s string) string {
	if !scriptRE.MatchString(s) {
		return fmt.Sprintf("%s is not a package.json script name (e.g. \"build\" or \"build:web\")", quote(s))
	}
	return ""
}

func checkCommand(s string) string {
	if _, err := recipe.SplitCommand(s); err != nil {
		return err.Error()
	}
	return ""
}

func checkURLPath(s string) string {
	if !strings.HasPrefix(s, "/") || strings.ContainsAny(s, " \t\r\n\"'") {
		return fmt.Sprintf("%s: want an absolute URL path such as \"/health\"", quote(s))
	}
	return ""
}

// checkRel accepts a clean relative path inside the folder it is relative
// to; "." only when dot.
func checkRel(p string, dot bool) string {
	switch {
	case p == "":
		return "empty path"
	case path.IsAbs(p) || strings.HasPrefix(p, `\`) || (len(p) > 1 && p[1] == ':'):
		return fmt.Sprintf("%s is absolute; write a path relative to the source", quote(p))
	case p == "." && dot:
		return ""
	case p == ".":
		return "\".\" is the folder itself; name a file or folder inside it"
	case p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, "/../") || strings.HasSuffix(p, "/.."):
		return fmt.Sprintf("%s leaves the source; the pipeline sees only files inside it", quote(p))
	case path.Clean(p) != strings.TrimSuffix(p, "/") || strings.Contains(p, `\`):
		return fmt.Sprintf("%s is not a clean path: write %s", quote(p), quote(path.Clean(strings.ReplaceAll(p, `\`, "/"))))
	}
	return ""
}

func checkSubdir(p string) string { return checkRel(p, false) }

// kindFields says which kinds an image field applies to.
var kindFields = []struct {
	key   string
	kinds []Kind
	set   func(Image) bool
}{
	{"package_manager", []Kind{KindSPA, KindNode, KindNextJS}, func(i Image) bool {
		return i.PackageManager != "" && i.PackageManager != PackageManagerAuto
	}},
	{"build_script", []Kind{KindSPA, KindNode, KindNextJS}, func(i Image) bool { return i.BuildScript != "" }},
	{"output_dir", []Kind{KindSPA, KindNode, KindNextJS}, func(i Image) bool { return i.OutputDir != "" }},
	{"start", []Kind{KindNode, KindNextJS, KindDockerfile}, func(i Image) bool { return i.Start != "" }},
	{"migrate", []Kind{KindNode, KindNextJS, KindDockerfile}, func(i Image) bool { return i.Migrate != "" }},
	{"nginx_config", []Kind{KindSPA}, func(i Image) bool { return i.NginxConfig != "" }},
	{"source_maps", []Kind{KindSPA}, func(i Image) bool { return i.SourceMaps }},
	{"base_image", []Kind{KindSPA, KindNode, KindNextJS}, func(i Image) bool { return i.BaseImage != "" }},
	{"runtime_image", []Kind{KindSPA, KindNode, KindNextJS}, func(i Image) bool { return i.RuntimeImage != "" }},
	{"dockerfile", []Kind{KindDockerfile}, func(i Image) bool { return i.Dockerfile != "" }},
	{"target", []Kind{KindDockerfile}, func(i Image) bool { return i.Target != "" }},
	{"build_args", []Kind{KindDockerfile}, func(i Image) bool { return len(i.BuildArgs) > 0 }},
	{"build_secrets", []Kind{KindDockerfile}, func(i Image) bool { return len(i.BuildSecrets) > 0 }},
	{"build_env", []Kind{KindSPA, KindNode, KindNextJS}, func(i Image) bool { return len(i.BuildEnv) > 0 }},
}

func (v *checker) config(c Config) {
	if c.Version != Version {
		v.add("version", "unsupported version %d; this pipeline reads version %d", c.Version, Version)
	}
	if msg := validateAppName(c.Name); msg != "" {
		v.add("name", "%s", msg)
	}
	if c.Registry != "" {
		if msg := validateRegistry(c.Registry); msg != "" {
			v.add("registry", "%s", msg)
		}
	}
	names := map[string]int{}
	for i, img := range c.Images {
		p := indexPath("images", i)
		if first, dup := names[img.Name]; dup && img.Name != "" {
			v.add(p+".name", "%s is also the name of images[%d]; image names must be unique", quote(img.Name), first)
		} else {
			names[img.Name] = i
		}
		v.image(c, p, img)
	}
	v.services(c)
	v.smoke(c)
	v.budgets(c)
	if msg := checkSubdir(c.Scan.IgnoreFile); msg != "" {
		v.add("scan.ignore_file", "%s", msg)
	}
	v.policy(c)
	v.tags(c)
}

// ReservedImageNames are names the reports already use for something other
// than an image: the source's scan and the whole stack's size budget.
var ReservedImageNames = []string{"source", "stack"}

var reservedWhy = map[string]string{
	"source": "the scan report names the source's scan so",
	"stack":  "the size budgets name the whole stack's total so",
}

func (v *checker) image(c Config, p string, img Image) {
	switch {
	case img.Name == "":
		v.add(p+".name", "missing; give each image a name such as \"frontend\" or \"backend\"")
	case len(img.Name) > 63 || !imageNameRE.MatchString(img.Name):
		v.add(p+".name", "%s is not a valid image name: use lowercase letters, digits and single '-' (e.g. \"backend\")", quote(img.Name))
	case slices.Contains(ReservedImageNames, img.Name):
		v.add(p+".name", "%s is reserved (%s); choose another name, e.g. \"%s-app\"", quote(img.Name), reservedWhy[img.Name], img.Name)
	}
	if msg := checkRel(img.Path, true); msg != "" {
		v.add(p+".path", "%s", msg)
	}
	switch {
	case img.Kind == "" && !v.partial:
		v.add(p+".kind", "missing; set %s (the pipeline detects it from package.json when it can)", oneOf(Kinds()))
	case img.Kind != "" && !slices.Contains(Kinds(), img.Kind):
		v.add(p+".kind", "unknown kind %s; want %s%s", quote(string(img.Kind)), oneOf(Kinds()), suggest(string(img.Kind), kindNames()))
	}
	if img.PackageManager != "" && !slices.Contains(PackageManagers(), img.PackageManager) {
		pms := make([]string, 0, 4)
		for _, pm := range PackageManagers() {
			pms = append(pms, string(pm))
		}
		v.add(p+".package_manager", "unknown package manager %s; want %s%s", quote(string(img.PackageManager)), oneOf(PackageManagers()), suggest(string(img.PackageManager), pms))
	}
	known := slices.Contains(Kinds(), img.Kind)
	if known {
		for _, f := range kindFields {
			if f.set(img) && !slices.Contains(f.kinds, img.Kind) {
				v.add(p+"."+f.key, "applies to %s images only; this image is %s", oneOf(f.kinds), img.Kind)
			}
		}
	}
	if img.BuildScript != "" {
		if msg := checkScript(img.BuildScript); msg != "" {
			v.add(p+".build_script", "%s", msg)
		}
	}
	for _, f := range []struct{ key, val string }{{"output_dir", img.OutputDir}, {"nginx_config", img.NginxConfig}, {"dockerfile", img.Dockerfile}} {
		if f.val != "" {
			if msg := checkSubdir(f.val); msg != "" {
				v.add(p+"."+f.key, "%s", msg)
			}
		}
	}
	if img.OutputDir != "" && img.Kind == KindNode && img.BuildScript == "" {
		v.add(p+".output_dir", "a node image without build_script has no output; set build_script or remove output_dir")
	}
	for _, f := range []struct{ key, val string }{{"start", img.Start}, {"migrate", img.Migrate}} {
		if f.val != "" {
			if msg := checkCommand(f.val); msg != "" {
				v.add(p+"."+f.key, "%s", msg)
			}
		}
	}
	if img.Port < 0 || img.Port > 65535 {
		v.add(p+".port", "want an integer from 1 to 65535, got %d", img.Port)
	} else if img.Port == 0 && img.Kind == KindDockerfile && !(v.partial && c.kindsUnknown()) {
		v.add(p+".port", "missing; a dockerfile image that is not the front door must say which port it listens on")
	}
	if img.HealthPath != "" {
		if msg := checkURLPath(img.HealthPath); msg != "" {
			v.add(p+".health_path", "%s", msg)
		}
	}
	for _, f := range []struct{ key, val string }{{"base_image", img.BaseImage}, {"runtime_image", img.RuntimeImage}} {
		if f.val != "" {
			if err := recipe.ValidateImageRef(f.val); err != nil {
				v.add(p+"."+f.key, "%v", err)
			}
		}
	}
	if img.User < 0 {
		v.add(p+".user", "want a numeric uid from 1 to 2147483647, got %d", img.User)
	}
	if img.Kind == KindDockerfile && img.Dockerfile == "" {
		v.add(p+".dockerfile", "missing; a dockerfile image needs the Dockerfile's path, relative to %s", quote(img.Path))
	}
	if img.Target != "" && !stageRE.MatchString(img.Target) {
		v.add(p+".target", "%s is not a Dockerfile stage name", quote(img.Target))
	}
	for _, k := range slices.Sorted(maps.Keys(img.BuildArgs)) {
		kp := keyPath(p+".build_args", k)
		if !envNameRE.MatchString(k) {
			v.add(kp, "%s is not a build argument name: use letters, digits and '_'", quote(k))
		}
		if literalSecretProblem(k, img.BuildArgs[k]) != "" {
			v.add(kp, "%s looks like a secret; build arguments stay in the image's history: pass it as a build secret (build_secrets: {%s: %s}) and read it with RUN --mount=type=secret,id=%s", k, strings.ToLower(k), secretSuggestion(k), strings.ToLower(k))
		} else if refs, _ := templateRefs(img.BuildArgs[k]); len(refs) > 0 {
			v.add(kp, "build arguments are literal; templates such as {{%s}} are not expanded", refs[0])
		}
	}
	for _, id := range slices.Sorted(maps.Keys(img.BuildSecrets)) {
		kp := keyPath(p+".build_secrets", id)
		if !secretIDRE.MatchString(id) {
			v.add(kp, "%s is not a secret id (RUN --mount=type=secret,id=ID): use letters, digits, '.', '_' and '-'", quote(id))
		}
		if !envNameRE.MatchString(img.BuildSecrets[id]) {
			v.add(kp, "%s is not the name of a pipeline secret: use letters, digits and '_'", quote(img.BuildSecrets[id]))
		}
	}
	v.env(c, p+".build_env", img.BuildEnv, img, true)
	v.env(c, p+".env", img.Env, img, false)
}

func kindNames() []string {
	out := make([]string, 0, 4)
	for _, k := range Kinds() {
		out = append(out, string(k))
	}
	return out
}

// facts returns the facts templates may name, for the app's services and
// images.
func (c Config) facts() []string {
	var out []string
	if c.Services.Database.Kind != DatabaseNone {
		for _, f := range databaseFacts {
			out = append(out, "database."+f)
		}
	}
	if c.Services.Redis.On() {
		for _, f := range redisFacts {
			out = append(out, "redis."+f)
		}
	}
	for _, img := range c.Images {
		for _, f := range imageFacts {
			out = append(out, "images."+img.Name+"."+f)
		}
	}
	return out
}

// checkFact says why a fact name is not usable, or "".
func (c Config) checkFact(fact string) string {
	valid := c.facts()
	if slices.Contains(valid, fact) {
		return ""
	}
	service, rest, _ := strings.Cut(fact, ".")
	switch {
	case service == "database" && c.Services.Database.Kind == DatabaseNone && slices.Contains(databaseFacts, rest):
		return fmt.Sprintf("{{%s}}: services.database.kind is none, so there is no database", fact)
	case service == "redis" && !c.Services.Redis.On() && slices.Contains(redisFacts, rest):
		return fmt.Sprintf("{{%s}}: services.redis.enabled is false, so there is no Redis", fact)
	}
	return fmt.Sprintf("{{%s}} is not a fact; the facts are database.host, .port, .name, .user, .password, .url; redis.host, .port, .password, .url; images.NAME.host, .port, .url%s", fact, suggest(fact, valid))
}

func (v *checker) env(c Config, p string, env Env, img Image, build bool) {
	for _, k := range slices.Sorted(maps.Keys(env)) {
		val := env[k]
		kp := keyPath(p, k)
		if !envNameRE.MatchString(k) {
			v.add(kp, "%s is not an environment variable name: use letters, digits and '_', not starting with a digit", quote(k))
		}
		switch {
		case val.Secret != "":
			if !envNameRE.MatchString(val.Secret) {
				v.add(kp+".secret", "%s is not a secret name: use letters, digits and '_'", quote(val.Secret))
			}
			if build && img.Kind == KindSPA {
				v.add(kp, "the build env of a spa image ends up in public JavaScript; a secret must not go there")
			}
			continue
		case val.FromService != "" && build:
			v.add(kp, "services run only for the smoke tests, after the build; the build env cannot use them")
			continue
		case val.FromService != "":
			if msg := c.checkFact(val.FromService); msg != "" {
				v.add(kp+".from_service", "%s", msg)
			}
			continue
		}
		refs, err := templateRefs(val.Value)
		if err != nil {
			v.add(kp, "%v", err)
			continue
		}
		if build && len(refs) > 0 {
			v.add(kp, "services run only for the smoke tests, after the build; the build env cannot use {{%s}}", refs[0])
			continue
		}
		for _, r := range refs {
			if msg := c.checkFact(r); msg != "" {
				v.add(kp, "%s", msg)
			}
		}
		if why := literalSecretProblem(k, val.Value); why != "" {
			v.add(kp, "%s", why)
		}
	}
}

// serviceEnv checks a service's env map: names, and templates of that
// service's facts only.
func (v *checker) serviceEnv(c Config, p, service string, env map[string]string, on bool) {
	if !on && len(env) > 0 {
		v.add(p, "the service does not run, so its env cannot be given")
		return
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		kp := keyPath(p, k)
		if !envNameRE.MatchString(k) {
			v.add(kp, "%s is not an environment variable name: use letters, digits and '_', not starting with a digit", quote(k))
		}
		refs, err := templateRefs(env[k])
		if err != nil {
			v.add(kp, "%v", err)
			continue
		}
		if len(refs) == 0 {
			v.add(kp, "want a template of the %s's facts such as \"{{%s.url}}\", got %s; literal values belong in an image's env", service, service, quote(env[k]))
		}
		for _, r := range refs {
			if !strings.HasPrefix(r, service+".") {
				v.add(kp, "{{%s}}: the %s's env takes %s facts; put other values in an image's env", r, service, service)
			} else if msg := c.checkFact(r); msg != "" {
				v.add(kp, "%s", msg)
			}
		}
	}
}

func (v *checker) services(c Config) {
	db := c.Services.Database
	if !slices.Contains(DatabaseKinds(), db.Kind) {
		names := make([]string, 0, 4)
		for _, k := range DatabaseKinds() {
			names = append(names, string(k))
		}
		v.add("services.database.kind", "unknown database %s; want %s%s", quote(string(db.Kind)), oneOf(DatabaseKinds()), suggest(string(db.Kind), names))
	} else if db.Kind == DatabaseNone {
		for _, f := range []struct{ key, val string }{{"image", db.Image}, {"name", db.Name}, {"user", db.User}} {
			if f.val != "" {
				v.add("services.database."+f.key, "the database kind is none; remove %s", f.key)
			}
		}
	}
	if db.Image != "" {
		if err := recipe.ValidateImageRef(db.Image); err != nil {
			v.add("services.database.image", "%v", err)
		}
	}
	if db.Name != "" && (len(db.Name) > 63 || !dbIdentRE.MatchString(db.Name)) {
		v.add("services.database.name", "%s is not a database name: use letters, digits and '_', at most 63, not starting with a digit", quote(db.Name))
	}
	if db.User != "" && (len(db.User) > 32 || !dbIdentRE.MatchString(db.User)) {
		v.add("services.database.user", "%s is not a database user: use letters, digits and '_', at most 32, not starting with a digit", quote(db.User))
	}
	v.serviceEnv(c, "services.database.env", "database", db.Env, db.Kind != DatabaseNone)
	r := c.Services.Redis
	if r.Image != "" {
		if err := recipe.ValidateImageRef(r.Image); err != nil {
			v.add("services.redis.image", "%v", err)
		}
	}
	if !r.On() && r.Image != "" {
		v.add("services.redis.image", "Redis is disabled; remove image or enable it")
	}
	v.serviceEnv(c, "services.redis.env", "redis", r.Env, r.On())
	seen := map[string]bool{}
	for i, name := range c.Services.Consumers {
		p := indexPath("services.consumers", i)
		img, ok := c.Image(name)
		switch {
		case seen[name]:
			v.add(p, "%s is listed twice", quote(name))
		case !ok:
			v.add(p, "no image is called %s%s", quote(name), suggest(name, imageNames(c)))
		case img.Kind == KindSPA:
			v.add(p, "%s is a spa image (static files behind nginx); it cannot use the services", quote(name))
		}
		seen[name] = true
	}
}

// imagesSound reports whether every image has a known kind and a unique
// name: what is derived from the images (the front door) is judged only
// then, so one mistake is not reported twice.
func (c Config) imagesSound() bool {
	seen := map[string]bool{}
	for _, img := range c.Images {
		if seen[img.Name] || !slices.Contains(Kinds(), img.Kind) {
			return false
		}
		seen[img.Name] = true
	}
	return true
}

func imageNames(c Config) []string {
	out := make([]string, len(c.Images))
	for i, img := range c.Images {
		out[i] = img.Name
	}
	return out
}

func (v *checker) smoke(c Config) {
	s := c.Smoke
	if s.FrontDoor != "" {
		if _, ok := c.Image(s.FrontDoor); !ok {
			v.add("smoke.front_door", "no image is called %s%s", quote(s.FrontDoor), suggest(s.FrontDoor, imageNames(c)))
		}
	} else if _, ok, why := c.frontDoor(); !ok && why != "" && c.imagesSound() {
		v.addNear("smoke.front_door", "images", "%s", why)
	}
	for _, f := range []struct{ key, val string }{{"deep_link", s.DeepLink}, {"health_path", s.HealthPath}, {"socket_path", s.SocketPath}, {"roundtrip_path", s.RoundtripPath}} {
		if f.val != "" {
			if msg := checkURLPath(f.val); msg != "" {
				v.add("smoke."+f.key, "%s", msg)
			}
		}
	}
	for i, d := range s.HealthDependencies {
		if strings.TrimSpace(d) == "" {
			v.add(indexPath("smoke.health_dependencies", i), "empty name")
		}
	}
	builtin := BuiltinChecks()
	seen := map[string]bool{}
	for i, n := range s.Disable {
		p := indexPath("smoke.disable", i)
		switch {
		case !slices.Contains(builtin, n):
			v.add(p, "no standard check is called %s; they are %s%s", quote(n), strings.Join(builtin, ", "), suggest(n, builtin))
		case seen[n]:
			v.add(p, "%s is listed twice", quote(n))
		}
		seen[n] = true
	}
	names := map[string]bool{}
	for i, ch := range s.Checks {
		p := indexPath("smoke.checks", i)
		switch {
		case ch.Name == "":
			v.add(p+".name", "missing; name the check, e.g. \"login-then-join\"")
		case !imageNameRE.MatchString(ch.Name):
			v.add(p+".name", "%s is not a check name: use lowercase letters, digits and single '-'", quote(ch.Name))
		case slices.Contains(builtin, ch.Name):
			v.add(p+".name", "%s is a standard check; pick another name", quote(ch.Name))
		case names[ch.Name]:
			v.add(p+".name", "%s is the name of an earlier check; check names must be unique", quote(ch.Name))
		}
		names[ch.Name] = true
		if len(ch.Steps) == 0 {
			v.add(p+".steps", "missing; a check needs at least one step")
		}
		vars := slices.Clone(builtinVars)
		for j, st := range ch.Steps {
			vars = v.step(indexPath(p+".steps", j), st, vars)
		}
	}
}

// step checks one step; vars are the variables defined before it. It
// returns the variables defined after it.
func (v *checker) step(p string, st Step, vars []string) []string {
	useVars := func(kp, s string) {
		refs, err := templateRefs(s)
		if err != nil {
			v.add(kp, "%v", err)
			return
		}
		for _, r := range refs {
			if !slices.Contains(vars, r) {
				v.add(kp, "{{%s}} is not defined here: capture it in an earlier step, or use {{nonce}}%s", r, suggest(r, vars))
			}
		}
	}
	var useJSON func(kp string, x any)
	useJSON = func(kp string, x any) {
		switch x := x.(type) {
		case string:
			useVars(kp, x)
		case []any:
			for i, e := range x {
				useJSON(indexPath(kp, i), e)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				useJSON(keyPath(kp, k), x[k])
			}
		}
	}
	capture := func(kp string, m map[string]string) []string {
		var defined []string
		for _, name := range slices.Sorted(maps.Keys(m)) {
			vp := keyPath(kp, name)
			switch {
			case !varRE.MatchString(name):
				v.add(vp, "%s is not a variable name: use letters, digits and '_'", quote(name))
			case slices.Contains(builtinVars, name):
				v.add(vp, "%s is built in; capture into another name", quote(name))
			}
			if msg := checkFieldPath(m[name]); msg != "" {
				v.add(vp, "%s", msg)
			}
			defined = append(defined, name)
		}
		return defined
	}
	switch {
	case st.HTTP == nil && st.SocketIO == nil:
		v.add(p, "a step needs http or socketio")
		return vars
	case st.HTTP != nil && st.SocketIO != nil:
		v.add(p, "a step has http or socketio, not both; split it in two steps")
		return vars
	}
	var defined []string
	if h := st.HTTP; h != nil {
		hp := p + ".http"
		methods := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
		if !slices.Contains(methods, strings.ToUpper(h.Method)) && h.Method != "" {
			v.add(hp+".method", "unknown method %s; want %s%s", quote(h.Method), oneOf(methods), suggest(strings.ToUpper(h.Method), methods))
		}
		if h.Path == "" {
			v.add(hp+".path", "missing; give the request path, e.g. \"/api/login\"")
		} else if msg := checkURLPath(h.Path); msg != "" {
			v.add(hp+".path", "%s", msg)
		}
		useVars(hp+".path", h.Path)
		for _, k := range slices.Sorted(maps.Keys(h.Headers)) {
			if !headerRE.MatchString(k) {
				v.add(keyPath(hp+".headers", k), "%s is not a header name", quote(k))
			}
			useVars(keyPath(hp+".headers", k), h.Headers[k])
		}
		if h.JSON != nil && h.Body != "" {
			v.add(hp+".body", "a request has json or body, not both")
		}
		useJSON(hp+".json", h.JSON)
		useVars(hp+".body", h.Body)
		if h.Expect.Status != 0 && (h.Expect.Status < 100 || h.Expect.Status > 599) {
			v.add(hp+".expect.status", "want an integer from 100 to 599, got %d", h.Expect.Status)
		}
		useVars(hp+".expect.contains", h.Expect.Contains)
		for _, k := range slices.Sorted(maps.Keys(h.Expect.JSON)) {
			kp := keyPath(hp+".expect.json", k)
			if msg := checkFieldPath(k); msg != "" {
				v.add(kp, "%s", msg)
			}
			switch x := h.Expect.JSON[k].(type) {
			case map[string]any, []any:
				v.add(kp, "want a string, number, boolean or null to compare with; name nested fields with a dotted path")
			case string:
				useVars(kp, x)
			}
		}
		defined = capture(hp+".capture", h.Capture)
	}
	if s := st.SocketIO; s != nil {
		sp := p + ".socketio"
		if s.Path != "" {
			if msg := checkURLPath(s.Path); msg != "" {
				v.add(sp+".path", "%s", msg)
			}
		}
		if s.Emit != "" && !eventRE.MatchString(s.Emit) {
			v.add(sp+".emit", "%s is not an event name: no spaces, at most 100 characters", quote(s.Emit))
		}
		if s.Expect.Event != "" && !eventRE.MatchString(s.Expect.Event) {
			v.add(sp+".expect.event", "%s is not an event name: no spaces, at most 100 characters", quote(s.Expect.Event))
		}
		if s.Payload != nil && s.Emit == "" {
			v.add(sp+".payload", "a payload needs an event to emit; set emit")
		}
		useJSON(sp+".payload", s.Payload)
		switch {
		case s.Expect.Ack && s.Emit == "":
			v.add(sp+".expect.ack", "an ack answers an emitted event; set emit")
		case s.Expect.Ack && s.Expect.Event != "":
			v.add(sp+".expect", "wait for the ack or for an event, not both; split it in two steps")
		case s.Expect.Contains != "" && !s.Expect.Ack && s.Expect.Event == "":
			v.add(sp+".expect.contains", "contains needs something to look in: set ack: true or event")
		case len(s.Capture) > 0 && !s.Expect.Ack && s.Expect.Event == "":
			v.add(sp+".capture", "capture needs an answer: set expect.ack or expect.event")
		}
		useVars(sp+".expect.contains", s.Expect.Contains)
		defined = capture(sp+".capture", s.Capture)
	}
	return append(vars, defined...)
}

// checkFieldPath accepts a dotted path of a JSON field: "id", "room.id",
// "items.0.id".
func checkFieldPath(p string) string {
	if p == "" || slices.Contains(strings.Split(p, "."), "") {
		return fmt.Sprintf("%s is not a field path: write names separated by dots, e.g. \"room.id\" or \"items.0.id\"", quote(p))
	}
	return ""
}

func (v *checker) budgets(c Config) {
	for _, n := range slices.Sorted(maps.Keys(c.Budgets.Images)) {
		if _, ok := c.Image(n); !ok {
			v.add(keyPath("budgets.images", n), "no image is called %s%s", quote(n), suggest(n, imageNames(c)))
		}
		if l := c.Budgets.Images[n]; l < NoLimit {
			v.add(keyPath("budgets.images", n), "negative size")
		}
	}
	if c.Budgets.Stack < NoLimit {
		v.add("budgets.stack", "negative size")
	}
}

func (v *checker) policy(c Config) {
	rules := func(p string, m map[string]string) {
		for _, r := range slices.Sorted(maps.Keys(m)) {
			kp := keyPath(p, r)
			if !slices.Contains(policy.Names(), r) {
				v.add(kp, "no policy rule is called %s; the rules are %s%s", quote(r), strings.Join(policy.Names(), ", "), suggest(r, policy.Names()))
			}
			if strings.TrimSpace(m[r]) == "" {
				v.add(kp, "give the reason for the waiver; it goes into the report")
			}
		}
	}
	rules("policy.waivers", c.Policy.Waivers)
	for _, n := range slices.Sorted(maps.Keys(c.Policy.Images)) {
		if _, ok := c.Image(n); !ok {
			v.add(keyPath("policy.images", n), "no image is called %s%s", quote(n), suggest(n, imageNames(c)))
		}
		rules(keyPath("policy.images", n), c.Policy.Images[n])
	}
}

func (v *checker) tags(c Config) {
	var kindNames []string
	for _, k := range tags.AllKinds() {
		kindNames = append(kindNames, string(k))
	}
	seen := map[tags.Kind]bool{}
	ok := true
	for i, k := range c.Tags.Kinds {
		p := indexPath("tags.kinds", i)
		if _, err := tags.ParseKind(string(k)); err != nil {
			v.add(p, "unknown tag kind %s; want one of %s%s", quote(string(k)), strings.Join(kindNames, ", "), suggest(string(k), kindNames))
			ok = false
		} else if seen[k] {
			v.add(p, "%s is listed twice", quote(string(k)))
			ok = false
		}
		seen[k] = true
	}
	if _, err := tags.ParseLatestMode(string(c.Tags.Latest)); err != nil {
		v.add("tags.latest", "want auto, true or false, got %s", quote(string(c.Tags.Latest)))
		ok = false
	}
	if c.Tags.ShaLength != 0 && (c.Tags.ShaLength < 4 || c.Tags.ShaLength > 40) {
		v.add("tags.sha_length", "want an integer from 4 to 40, got %d", c.Tags.ShaLength)
		ok = false
	}
	if ok {
		if _, err := tags.ConfigFromEnv(c.Tags.Config(), func(string) string { return "" }); err != nil {
			msg := strings.TrimPrefix(err.Error(), tags.ErrConfig.Error()+": ")
			key := "tags"
			for _, k := range []string{"prefix", "suffix"} {
				if strings.HasPrefix(msg, k+" ") {
					key = "tags." + k
				}
			}
			v.add(key, "%s", msg)
		}
	}
	if c.Tags.DefaultBranch != "" && strings.ContainsAny(c.Tags.DefaultBranch, " \t\n~^:?*[\\") {
		v.add("tags.default_branch", "%s is not a git branch name", quote(c.Tags.DefaultBranch))
	}
}
