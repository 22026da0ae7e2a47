package config

import (
	"fmt"
	"slices"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/recipe"
	"github.com/stack-ci/stack/pipelines/scan"
)

// Overrides are the module's command-line arguments, which win over
// stack.yaml. A zero field means "not given". The HiveMind-shaped
// arguments address two roles: the frontend (the image named "frontend",
// else the front door when it is a spa) and the backend (the image named
// "backend", else the only node image).
type Overrides struct {
	// Name is --name: the app's name.
	Name string
	// Registry is --registry: where publish pushes.
	Registry string
	// NodeImage is --node-image: the base image of every spa, node and
	// nextjs image, and the runtime image of node and nextjs images.
	NodeImage string
	// NginxImage is --nginx-image: the runtime image of every spa image.
	NginxImage string
	// BuildScript is --build-script: the frontend's build script.
	BuildScript string
	// OutputDir is --output-dir: the frontend's output directory.
	OutputDir string
	// NginxConfig is --nginx-config: the frontend's nginx config.
	NginxConfig string
	// SourceMaps is --source-maps: keep the frontend's source maps.
	SourceMaps bool
	// StartCommand is --start-command: the backend's start command.
	StartCommand string
	// BackendPort is --backend-port: the backend's port.
	BackendPort int
	// HealthPath is --health-path: the backend's health endpoint.
	HealthPath string
	// FrontendDockerfile is --frontend-dockerfile: build the frontend from
	// this Dockerfile (relative to its path) instead of the recipe.
	FrontendDockerfile string
	// BackendDockerfile is --backend-dockerfile: the same for the backend.
	BackendDockerfile string
	// ScanThreshold is --scan-threshold: the lowest failing severity.
	ScanThreshold string
	// IgnoreUnfixed is --ignore-unfixed.
	IgnoreUnfixed bool
	// BudgetMetric is --budget-metric: uncompressed or compressed.
	BudgetMetric string
	// FrontendBudget, BackendBudget and StackBudget are --frontend-budget,
	// --backend-budget and --stack-budget: sizes such as "64MB" or "none".
	FrontendBudget, BackendBudget, StackBudget string
}

// roleImage returns the index of the image playing role "frontend" or
// "backend", or -1.
func (c Config) roleImage(role string) int {
	if i := slices.IndexFunc(c.Images, func(img Image) bool { return img.Name == role }); i >= 0 {
		return i
	}
	switch role {
	case "frontend":
		if door, ok, _ := c.frontDoor(); ok {
			if i := slices.IndexFunc(c.Images, func(img Image) bool { return img.Name == door && img.Kind == KindSPA }); i >= 0 {
				return i
			}
		}
	case "backend":
		var nodes []int
		for i, img := range c.Images {
			if img.Kind == KindNode {
				nodes = append(nodes, i)
			}
		}
		if len(nodes) == 1 {
			return nodes[0]
		}
	}
	return -1
}

// applyOverrides applies o to c before its defaults are filled, and returns
// the problems with the arguments (each is left unapplied).
func (c *Config) applyOverrides(o Overrides) Errors {
	var errs Errors
	bad := func(flag, format string, args ...any) {
		errs = append(errs, &Error{Path: flag, Msg: fmt.Sprintf(format, args...)})
	}
	images := func() string {
		var s []string
		for _, img := range c.Images {
			s = append(s, fmt.Sprintf("%s (%s)", img.Name, img.Kind))
		}
		return allOf(s)
	}
	// role returns the image for a role, or nil after recording why.
	role := func(flag, name string, kinds ...Kind) *Image {
		i := c.roleImage(name)
		if i < 0 {
			bad(flag, "no %s image to apply it to: the images are %s; set it in stack.yaml on the image it is meant for", name, images())
			return nil
		}
		if len(kinds) > 0 && !slices.Contains(kinds, c.Images[i].Kind) {
			bad(flag, "the %s image %q is %s; this argument applies to %s images", name, c.Images[i].Name, c.Images[i].Kind, oneOf(kinds))
			return nil
		}
		return &c.Images[i]
	}
	if o.Name != "" {
		if err := validateAppName(o.Name); err != "" {
			bad("--name", "%s", err)
		} else {
			c.Name = o.Name
		}
	}
	if o.Registry != "" {
		if err := validateRegistry(o.Registry); err != "" {
			bad("--registry", "%s", err)
		} else {
			c.Registry = o.Registry
		}
	}
	if o.NodeImage != "" {
		if err := recipe.ValidateImageRef(o.NodeImage); err != nil {
			bad("--node-image", "%v", err)
		} else {
			for i := range c.Images {
				img := &c.Images[i]
				switch img.Kind {
				case KindSPA:
					img.BaseImage = o.NodeImage
				case KindNode, KindNextJS:
					img.BaseImage, img.RuntimeImage = o.NodeImage, o.NodeImage
				}
			}
		}
	}
	if o.NginxImage != "" {
		if err := recipe.ValidateImageRef(o.NginxImage); err != nil {
			bad("--nginx-image", "%v", err)
		} else {
			for i := range c.Images {
				if c.Images[i].Kind == KindSPA {
					c.Images[i].RuntimeImage = o.NginxImage
				}
			}
		}
	}
	setString := func(flag, roleName, value string, check func(string) string, field func(*Image) *string, kinds ...Kind) {
		if value == "" {
			return
		}
		if msg := check(value); msg != "" {
			bad(flag, "%s", msg)
			return
		}
		if img := role(flag, roleName, kinds...); img != nil {
			*field(img) = value
		}
	}
	setString("--build-script", "frontend", o.BuildScript, checkScript, func(i *Image) *string { return &i.BuildScript }, KindSPA)
	setString("--output-dir", "frontend", o.OutputDir, checkSubdir, func(i *Image) *string { return &i.OutputDir }, KindSPA)
	setString("--nginx-config", "frontend", o.NginxConfig, checkSubdir, func(i *Image) *string { return &i.NginxConfig }, KindSPA)
	if o.SourceMaps {
		if img := role("--source-maps", "frontend", KindSPA); img != nil {
			img.SourceMaps = true
		}
	}
	setString("--start-command", "backend", o.StartCommand, checkCommand, func(i *Image) *string { return &i.Start }, KindNode, KindNextJS, KindDockerfile)
	setString("--health-path", "backend", o.HealthPath, checkURLPath, func(i *Image) *string { return &i.HealthPath })
	if o.BackendPort != 0 {
		if o.BackendPort < 1 || o.BackendPort > 65535 {
			bad("--backend-port", "want an integer from 1 to 65535, got %d", o.BackendPort)
		} else if img := role("--backend-port", "backend"); img != nil {
			img.Port = o.BackendPort
		}
	}
	for _, d := range []struct{ flag, role, path string }{
		{"--frontend-dockerfile", "frontend", o.FrontendDockerfile},
		{"--backend-dockerfile", "backend", o.BackendDockerfile},
	} {
		if d.path == "" {
			continue
		}
		if msg := checkSubdir(d.path); msg != "" {
			bad(d.flag, "%s", msg)
			continue
		}
		if img := role(d.flag, d.role); img != nil {
			// Keep what the Dockerfile does not say: where the image lives,
			// how it is reached, its run-time settings (the user only when
			// written: the Dockerfile's USER wins over the recipe's default).
			was := *img
			fillImage(&was, false)
			*img = Image{
				Name: was.Name, Path: was.Path, Kind: KindDockerfile, Dockerfile: d.path,
				Port: was.Port, HealthPath: was.HealthPath, Migrate: was.Migrate, Env: was.Env, User: img.User,
			}
		}
	}
	if o.ScanThreshold != "" {
		if s, err := scan.ParseSeverity(o.ScanThreshold); err != nil {
			bad("--scan-threshold", "%v", err)
		} else {
			c.Scan.Threshold = s
		}
	}
	if o.IgnoreUnfixed {
		c.Scan.IgnoreUnfixed = true
	}
	if o.BudgetMetric != "" {
		if m, err := budget.ParseMetric(o.BudgetMetric); err != nil {
			bad("--budget-metric", "%v", err)
		} else {
			c.Budgets.Metric = m
		}
	}
	for _, b := range []struct{ flag, role, value string }{
		{"--frontend-budget", "frontend", o.FrontendBudget},
		{"--backend-budget", "backend", o.BackendBudget},
		{"--stack-budget", "", o.StackBudget},
	} {
		if b.value == "" {
			continue
		}
		l, err := ParseLimit(b.value)
		if err != nil {
			bad(b.flag, "%v", err)
			continue
		}
		if b.role == "" {
			c.Budgets.Stack = l
			continue
		}
		if img := role(b.flag, b.role); img != nil {
			if c.Budgets.Images == nil {
				c.Budgets.Images = map[string]Limit{}
			}
			c.Budgets.Images[img.Name] = l
		}
	}
	return errs
}
