package detect

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stack-ci/stack/pipelines/config"
)

// Decision is one thing detection decided, with why.
type Decision struct {
	// Image is the image's name, "" for the layout.
	Image string
	// Field is the stack.yaml key decided: "images", "kind",
	// "package_manager", "build_script", "output_dir", "start" or
	// "dockerfile".
	Field string
	// Value is what was decided.
	Value string
	// Why explains it.
	Why string
}

// String writes "images.backend.kind = node: package.json depends on
// express".
func (d Decision) String() string {
	key := d.Field
	if d.Image != "" {
		key = "images." + d.Image + "." + d.Field
	}
	return fmt.Sprintf("%s = %s: %s", key, d.Value, d.Why)
}

// Result is a configuration completed by detection.
type Result struct {
	// Config is the configuration with what was detected filled in; pass
	// it to config.Effective.
	Config config.Config
	// Managers are the package managers of the images built with one, by
	// image name, with their commands.
	Managers map[string]Manager
	// Decisions explain what was filled in, in order.
	Decisions []Decision
	// Warnings are doubts about the source, by image.
	Warnings []string
}

// Explain writes the decisions and warnings, one a line, for `dagger call
// config`.
func (r Result) Explain() string {
	var b strings.Builder
	for _, d := range r.Decisions {
		b.WriteString(d.String() + "\n")
	}
	for _, w := range r.Warnings {
		b.WriteString("warning: " + w + "\n")
	}
	return b.String()
}

// Complete fills in what stack.yaml leaves to detection: the images when it
// lists none (see Layout), each image's kind when absent (see
// DetectRecipes), the build script, output directory and start command of
// a detected recipe of the image's kind when absent (and the Dockerfile of
// an image detected as a dockerfile image), and the package manager when
// auto (see DetectManager). What the file says is never changed. Problems with several images are joined.
func Complete(cfg config.Config, src Source) (Result, error) {
	res := Result{Config: cfg, Managers: map[string]Manager{}}
	if len(cfg.Images) == 0 {
		plan, err := Layout(src)
		if err != nil {
			return res, err
		}
		images := make([]config.Image, len(plan.Images))
		var names []string
		for i, p := range plan.Images {
			images[i] = p.Image
			names = append(names, fmt.Sprintf("%s (%s in %s)", p.Image.Name, p.Image.Kind, p.Image.Path))
		}
		res.Config.Images = images
		res.Decisions = append(res.Decisions, Decision{Field: "images", Value: strings.Join(names, ", "), Why: strings.Join(plan.Why, "; ")})
	} else {
		res.Config.Images = slices.Clone(cfg.Images)
	}
	var errs []error
	for i := range res.Config.Images {
		if err := res.completeImage(src, &res.Config.Images[i]); err != nil {
			errs = append(errs, fmt.Errorf("images[%d] (%s): %w", i, res.Config.Images[i].Name, err))
		}
	}
	return res, errors.Join(errs...)
}

func (res *Result) completeImage(src Source, img *config.Image) error {
	if img.Path == "" {
		img.Path = "."
	}
	dir := img.Path
	decide := func(field, value, why string) {
		res.Decisions = append(res.Decisions, Decision{Image: img.Name, Field: field, Value: value, Why: why})
	}
	var m *Manager
	if img.Kind != config.KindDockerfile {
		mgr, err := DetectManager(src, dir, img.PackageManager)
		if err != nil {
			if img.Kind != "" {
				return err
			}
		} else {
			m = &mgr
			res.Managers[img.Name] = mgr
			res.Warnings = append(res.Warnings, prefixed(img.Name, mgr.Warnings)...)
		}
	}
	tool := NPM
	if m != nil {
		tool = m.Tool
	}
	recipes, rerr := DetectRecipes(src, dir, tool)
	if img.Kind == "" {
		if rerr != nil {
			return rerr
		}
		r, err := pick(img.Name, recipes)
		if err != nil {
			return err
		}
		img.Kind = r.Kind
		why := r.Why
		if r.Dockerfile != "" && r.Kind != config.KindDockerfile {
			why += fmt.Sprintf(" (%s is available too: set kind: dockerfile and dockerfile: %s to build with it instead)", join(dir, r.Dockerfile), r.Dockerfile)
		}
		decide("kind", string(r.Kind), why)
		if r.Kind == config.KindDockerfile {
			m = nil
			delete(res.Managers, img.Name)
		} else if m == nil {
			_, err := DetectManager(src, dir, img.PackageManager)
			return err
		}
	}
	for _, r := range recipes {
		if r.Kind != img.Kind {
			continue
		}
		res.Warnings = append(res.Warnings, prefixed(img.Name, r.Warnings)...)
		fill := func(field string, p *string, v string) {
			if *p == "" && v != "" {
				*p = v
				decide(field, v, "detected: "+r.Why)
			}
		}
		if img.Kind != config.KindNode || img.BuildScript == "" {
			fill("build_script", &img.BuildScript, r.BuildScript)
		}
		if img.Kind != config.KindNode || img.BuildScript == r.BuildScript {
			fill("output_dir", &img.OutputDir, r.OutputDir)
		}
		if img.Kind == config.KindNode || img.Kind == config.KindNextJS {
			fill("start", &img.Start, r.Start)
		}
		if img.Kind == config.KindDockerfile {
			fill("dockerfile", &img.Dockerfile, r.Dockerfile)
		}
		break
	}
	if m != nil && (img.PackageManager == "" || img.PackageManager == config.PackageManagerAuto) {
		img.PackageManager = config.PackageManager(m.Tool)
		decide("package_manager", string(m.Tool), m.Why)
	}
	return nil
}

// pick chooses the recipe for an image without a kind: the only one, or
// the one its name suggests when the folder holds a SPA and its server.
func pick(name string, recipes []Recipe) (Recipe, error) {
	if len(recipes) == 1 {
		return recipes[0], nil
	}
	want := roleOf(name)
	for _, r := range recipes {
		if r.Kind == want {
			return r, nil
		}
	}
	kinds := make([]string, len(recipes))
	for i, r := range recipes {
		kinds[i] = string(r.Kind)
	}
	return Recipe{}, fmt.Errorf("the folder holds %s images and the name %q does not say which this is; set its kind", strings.Join(kinds, " and "), name)
}

func prefixed(image string, ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = image + ": " + w
	}
	return out
}
