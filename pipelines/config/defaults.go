package config

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/recipe"
	"github.com/stack-ci/stack/pipelines/scan"
	"github.com/stack-ci/stack/pipelines/smoke"
	"github.com/stack-ci/stack/pipelines/tags"
)

// Defaults that are not the recipe's (package recipe holds the node and
// nginx images, build:web, dist, npm run webui, 8765, /health,
// nginx/default.conf and uid 1001).
const (
	DefaultName              = "app"
	DefaultPostgresImage     = "postgres:15-alpine"
	DefaultMySQLImage        = "mysql:8.4"
	DefaultMariaDBImage      = "mariadb:11.4"
	DefaultRedisImage        = "redis:7-alpine"
	DefaultDatabaseUser      = "app"
	DefaultSPAPort           = 80
	DefaultNextJSPort        = 3000
	DefaultNextJSBuildScript = "build"
	DefaultNextJSOutputDir   = ".next"
	DefaultNextJSStart       = "node server.js"
	DefaultNodeOutputDir     = "dist"
	DefaultIgnoreFile        = ".trivyignore"
	DefaultSmokeTimeout      = Duration(30 * time.Second)
	DefaultSocketIOTimeout   = Duration(5 * time.Second)
	DefaultHTTPStatus        = 200
)

// Ports of the services, fixed by their images.
const (
	PostgresPort = 5432
	MySQLPort    = 3306
	RedisPort    = 6379
)

// DefaultImages returns the HiveMind pair: a "frontend" spa and a "backend"
// node image, both built from the source root.
func DefaultImages() []Image {
	return []Image{
		{Name: "frontend", Path: ".", Kind: KindSPA},
		{Name: "backend", Path: ".", Kind: KindNode},
	}
}

// Defaults returns the effective configuration of an empty stack.yaml: the
// HiveMind layout.
func Defaults() Config {
	c, _ := effective(Config{}, Overrides{}, false)
	return c
}

// DefaultDatabaseEnv returns the variables a consumer receives from a
// database of the given kind when stack.yaml names none: DATABASE_URL and
// the image's conventional names (POSTGRES_* for postgres, as HiveMind
// reads them; MYSQL_* for mysql and mariadb).
func DefaultDatabaseEnv(kind DatabaseKind) map[string]string {
	switch kind {
	case DatabasePostgres:
		return map[string]string{
			"DATABASE_URL":      "{{database.url}}",
			"POSTGRES_HOST":     "{{database.host}}",
			"POSTGRES_PORT":     "{{database.port}}",
			"POSTGRES_USER":     "{{database.user}}",
			"POSTGRES_PASSWORD": "{{database.password}}",
			"POSTGRES_DB":       "{{database.name}}",
		}
	case DatabaseMySQL, DatabaseMariaDB:
		return map[string]string{
			"DATABASE_URL":   "{{database.url}}",
			"MYSQL_HOST":     "{{database.host}}",
			"MYSQL_PORT":     "{{database.port}}",
			"MYSQL_USER":     "{{database.user}}",
			"MYSQL_PASSWORD": "{{database.password}}",
			"MYSQL_DATABASE": "{{database.name}}",
		}
	}
	return map[string]string{}
}

// DefaultRedisEnv returns the variables a consumer receives from Redis when
// stack.yaml names none: REDIS_URL and REDIS_HOST/PORT/PASSWORD.
func DefaultRedisEnv() map[string]string {
	return map[string]string{
		"REDIS_URL":      "{{redis.url}}",
		"REDIS_HOST":     "{{redis.host}}",
		"REDIS_PORT":     "{{redis.port}}",
		"REDIS_PASSWORD": "{{redis.password}}",
	}
}

// DefaultDatabaseImage returns the service image of a kind of database.
func DefaultDatabaseImage(kind DatabaseKind) string {
	switch kind {
	case DatabaseMySQL:
		return DefaultMySQLImage
	case DatabaseMariaDB:
		return DefaultMariaDBImage
	case DatabasePostgres:
		return DefaultPostgresImage
	}
	return ""
}

// Port returns the database's port: 5432 for postgres, 3306 for mysql and
// mariadb, 0 for none.
func (d Database) Port() int {
	switch d.Kind {
	case DatabasePostgres:
		return PostgresPort
	case DatabaseMySQL, DatabaseMariaDB:
		return MySQLPort
	}
	return 0
}

// ContainerEnv returns the environment of the database's service container,
// as templates of the database's facts (expand them with Expand and pass
// the password ones as secrets): the image's own variables for the
// database, user and password.
func (d Database) ContainerEnv() map[string]string {
	switch d.Kind {
	case DatabasePostgres:
		return map[string]string{"POSTGRES_DB": "{{database.name}}", "POSTGRES_USER": "{{database.user}}", "POSTGRES_PASSWORD": "{{database.password}}"}
	case DatabaseMySQL:
		return map[string]string{"MYSQL_DATABASE": "{{database.name}}", "MYSQL_USER": "{{database.user}}", "MYSQL_PASSWORD": "{{database.password}}", "MYSQL_ROOT_PASSWORD": "{{database.password}}"}
	case DatabaseMariaDB:
		return map[string]string{"MARIADB_DATABASE": "{{database.name}}", "MARIADB_USER": "{{database.user}}", "MARIADB_PASSWORD": "{{database.password}}", "MARIADB_ROOT_PASSWORD": "{{database.password}}"}
	}
	return map[string]string{}
}

// defaultDatabaseName turns the app's name into a database name.
func defaultDatabaseName(app string) string {
	b := []byte(app)
	for i, c := range b {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	n := string(b)
	if n == "" || (n[0] >= '0' && n[0] <= '9') {
		n = "db_" + n
	}
	return n[:min(len(n), 63)]
}

// fillImage applies the defaults of the image's kind to its empty fields.
// frontDoor says whether the image is the front door (a dockerfile front
// door listens on 80 by default).
func fillImage(img *Image, frontDoor bool) {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	defInt := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&img.Path, ".")
	switch img.Kind {
	case KindSPA:
		def((*string)(&img.PackageManager), string(PackageManagerAuto))
		def(&img.BuildScript, recipe.DefaultBuildScript)
		def(&img.OutputDir, recipe.DefaultOutputDir)
		defInt(&img.Port, DefaultSPAPort)
		def(&img.HealthPath, "/")
		def(&img.NginxConfig, recipe.DefaultNginxConfigPath)
		def(&img.BaseImage, recipe.DefaultNodeImage)
		def(&img.RuntimeImage, recipe.DefaultNginxImage)
	case KindNode:
		def((*string)(&img.PackageManager), string(PackageManagerAuto))
		if img.BuildScript != "" {
			def(&img.OutputDir, DefaultNodeOutputDir)
		}
		def(&img.Start, recipe.DefaultStartCommand)
		defInt(&img.Port, recipe.DefaultBackendPort)
		def(&img.HealthPath, recipe.DefaultHealthPath)
		def(&img.BaseImage, recipe.DefaultNodeImage)
		def(&img.RuntimeImage, img.BaseImage)
		defInt(&img.User, recipe.BackendUID)
	case KindNextJS:
		def((*string)(&img.PackageManager), string(PackageManagerAuto))
		def(&img.BuildScript, DefaultNextJSBuildScript)
		def(&img.OutputDir, DefaultNextJSOutputDir)
		def(&img.Start, DefaultNextJSStart)
		defInt(&img.Port, DefaultNextJSPort)
		def(&img.HealthPath, "/")
		def(&img.BaseImage, recipe.DefaultNodeImage)
		def(&img.RuntimeImage, img.BaseImage)
		defInt(&img.User, recipe.BackendUID)
	case KindDockerfile:
		def(&img.HealthPath, "/")
		if frontDoor {
			defInt(&img.Port, DefaultSPAPort)
		}
	}
}

// frontDoor returns the name of the front door: smoke.front_door, else the
// only spa image, else the only image, else the only nextjs image. ok is
// false when that does not decide (the reason is in why).
func (c Config) frontDoor() (name string, ok bool, why string) {
	if c.Smoke.FrontDoor != "" {
		return c.Smoke.FrontDoor, true, ""
	}
	var spas, nexts, unknown []string
	for _, img := range c.Images {
		switch img.Kind {
		case KindSPA:
			spas = append(spas, img.Name)
		case KindNextJS:
			nexts = append(nexts, img.Name)
		case "":
			unknown = append(unknown, img.Name)
		}
	}
	switch {
	case len(spas) == 1:
		return spas[0], true, ""
	case len(spas) > 1:
		return "", false, allOf(spas) + " are spa images, so each could be the front door; set smoke.front_door to one of them"
	case len(c.Images) == 1:
		return c.Images[0].Name, true, ""
	case len(unknown) > 0:
		return "", false, "" // decided once the kinds are known
	case len(nexts) == 1:
		return nexts[0], true, ""
	}
	var names []string
	for _, img := range c.Images {
		if !slices.Contains(names, img.Name) {
			names = append(names, img.Name)
		}
	}
	return "", false, "no image is the front door (none is a spa, and there are several); set smoke.front_door to one of " + oneOf(names)
}

// FrontDoor returns the image the smoke checks talk to. In an effective
// configuration it always exists.
func (c Config) FrontDoor() (Image, bool) {
	name, ok, _ := c.frontDoor()
	if !ok {
		return Image{}, false
	}
	return c.Image(name)
}

// Image returns the image called name.
func (c Config) Image(name string) (Image, bool) {
	for _, img := range c.Images {
		if img.Name == name {
			return img, true
		}
	}
	return Image{}, false
}

// defaultConsumers: every image but spa images and, when there are others,
// the front door.
func (c Config) defaultConsumers() []string {
	door, _, _ := c.frontDoor()
	out := []string{}
	for _, img := range c.Images {
		if img.Kind == KindSPA || (img.Name == door && len(c.Images) > 1) || slices.Contains(out, img.Name) || !slices.Contains(Kinds(), img.Kind) {
			continue
		}
		out = append(out, img.Name)
	}
	return out
}

// fill applies every default to c's empty fields. Images whose kind is not
// known keep only their path default.
func (c *Config) fill() {
	if c.Version == 0 {
		c.Version = Version
	}
	if c.Name == "" {
		c.Name = DefaultName
	}
	if len(c.Images) == 0 {
		c.Images = DefaultImages()
	}
	door, _, _ := c.frontDoor()
	for i := range c.Images {
		fillImage(&c.Images[i], c.Images[i].Name == door)
	}

	db := &c.Services.Database
	if db.Kind == "" {
		db.Kind = DatabasePostgres
	}
	if db.Kind != DatabaseNone {
		if db.Image == "" {
			db.Image = DefaultDatabaseImage(db.Kind)
		}
		if db.Name == "" {
			db.Name = defaultDatabaseName(c.Name)
		}
		if db.User == "" {
			db.User = DefaultDatabaseUser
		}
	}
	if db.Env == nil {
		db.Env = DefaultDatabaseEnv(db.Kind)
	}
	r := &c.Services.Redis
	if r.Enabled == nil {
		on := true
		r.Enabled = &on
	}
	if r.On() && r.Image == "" {
		r.Image = DefaultRedisImage
	}
	if r.Env == nil {
		r.Env = map[string]string{}
		if r.On() {
			r.Env = DefaultRedisEnv()
		}
	}
	if c.Services.Consumers == nil && !c.kindsUnknown() {
		c.Services.Consumers = c.defaultConsumers()
	}

	s := &c.Smoke
	if s.FrontDoor == "" {
		if door, ok, _ := c.frontDoor(); ok {
			s.FrontDoor = door
		}
	}
	dt := smoke.DefaultTarget("")
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&s.DeepLink, dt.DeepLink)
	def(&s.HealthPath, dt.HealthPath)
	def(&s.SocketPath, dt.SocketPath)
	def(&s.RoundtripPath, dt.NotesPath)
	if s.HealthDependencies == nil {
		s.HealthDependencies = []string{}
		if db.Kind != DatabaseNone {
			s.HealthDependencies = append(s.HealthDependencies, string(db.Kind))
		}
		if r.On() {
			s.HealthDependencies = append(s.HealthDependencies, "redis")
		}
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultSmokeTimeout
	}
	for i := range s.Checks {
		for j := range s.Checks[i].Steps {
			st := &s.Checks[i].Steps[j]
			if st.HTTP != nil {
				st.HTTP.Method = strings.ToUpper(st.HTTP.Method)
				def(&st.HTTP.Method, "GET")
				if st.HTTP.Expect.Status == 0 {
					st.HTTP.Expect.Status = DefaultHTTPStatus
				}
			}
			if st.SocketIO != nil {
				if checkURLPath(s.SocketPath) == "" {
					def(&st.SocketIO.Path, s.SocketPath)
				}
				if st.SocketIO.Timeout == 0 {
					st.SocketIO.Timeout = DefaultSocketIOTimeout
				}
			}
		}
	}

	b := &c.Budgets
	if b.Metric == "" {
		b.Metric = budget.Uncompressed
	}
	defaults := budget.DefaultBudgets(b.Metric)
	if b.Stack == 0 {
		b.Stack = Limit(defaults.Stack)
	}
	if b.Images == nil {
		b.Images = map[string]Limit{}
	}
	for _, img := range c.Images {
		if l := b.Images[img.Name]; l != 0 || img.Kind == "" {
			continue
		}
		role := "backend"
		if img.Kind == KindSPA {
			role = "frontend"
		}
		b.Images[img.Name] = Limit(defaults.Images[role])
	}

	if c.Scan.Threshold == 0 {
		c.Scan.Threshold = scan.SeverityHigh
	}
	def(&c.Scan.IgnoreFile, DefaultIgnoreFile)

	t := &c.Tags
	if len(t.Kinds) == 0 {
		t.Kinds = tags.DefaultKinds()
	}
	for i, k := range t.Kinds {
		t.Kinds[i] = tags.Kind(strings.ToLower(strings.TrimSpace(string(k))))
	}
	t.Latest = tags.LatestMode(strings.ToLower(strings.TrimSpace(string(t.Latest))))
	if t.Latest == "" {
		t.Latest = tags.LatestAuto
	}
	if t.ShaLength == 0 {
		t.ShaLength = tags.DefaultShaLength
	}
}

func (c Config) kindsUnknown() bool {
	return slices.ContainsFunc(c.Images, func(img Image) bool { return img.Kind == "" })
}

// clone returns a deep copy of c (JSON values in smoke steps are shared:
// nothing modifies them).
func (c Config) clone() Config {
	out := c
	out.Images = slices.Clone(c.Images)
	for i := range out.Images {
		img := &out.Images[i]
		img.BuildArgs = maps.Clone(img.BuildArgs)
		img.BuildSecrets = maps.Clone(img.BuildSecrets)
		img.BuildEnv = maps.Clone(img.BuildEnv)
		img.Env = maps.Clone(img.Env)
	}
	out.Services.Consumers = slices.Clone(c.Services.Consumers)
	out.Services.Database.Env = maps.Clone(c.Services.Database.Env)
	out.Services.Redis.Env = maps.Clone(c.Services.Redis.Env)
	if c.Services.Redis.Enabled != nil {
		on := *c.Services.Redis.Enabled
		out.Services.Redis.Enabled = &on
	}
	out.Smoke.HealthDependencies = slices.Clone(c.Smoke.HealthDependencies)
	out.Smoke.Disable = slices.Clone(c.Smoke.Disable)
	out.Smoke.Checks = slices.Clone(c.Smoke.Checks)
	for i := range out.Smoke.Checks {
		ch := &out.Smoke.Checks[i]
		ch.Steps = slices.Clone(ch.Steps)
		for j := range ch.Steps {
			st := &ch.Steps[j]
			if st.HTTP != nil {
				h := *st.HTTP
				h.Headers = maps.Clone(h.Headers)
				h.Capture = maps.Clone(h.Capture)
				h.Expect.JSON = maps.Clone(h.Expect.JSON)
				st.HTTP = &h
			}
			if st.SocketIO != nil {
				s := *st.SocketIO
				s.Capture = maps.Clone(s.Capture)
				st.SocketIO = &s
			}
		}
	}
	out.Budgets.Images = maps.Clone(c.Budgets.Images)
	out.Policy.Waivers = maps.Clone(c.Policy.Waivers)
	if c.Policy.Images != nil {
		out.Policy.Images = make(map[string]map[string]string, len(c.Policy.Images))
		for k, v := range c.Policy.Images {
			out.Policy.Images[k] = maps.Clone(v)
		}
	}
	out.Tags.Kinds = slices.Clone(c.Tags.Kinds)
	return out
}
