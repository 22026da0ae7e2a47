package plan

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/stack-ci/stack/pipelines/config"
	"github.com/stack-ci/stack/pipelines/detect"
)

// ConfigFiles are the names the application's config file is looked for
// under, at the source root, in order.
var ConfigFiles = []string{"stack.yaml", "stack.yml"}

// App is an application's effective configuration with its package
// managers and what detection decided.
type App struct {
	// Config is the effective configuration: defaults, stack.yaml, detection
	// and the command line.
	Config config.Config
	// File is the config file read, "" when the source has none.
	File string
	// Managers are the images' package managers, by image name.
	Managers map[string]detect.Manager
	// Explain says what was detected and why.
	Explain string
}

// Load reads the source's stack.yaml (file, or the first of ConfigFiles
// when file is ""), completes it by detection and applies the command-line
// overrides: o, and edits, which change the file's configuration before
// defaults apply (for settings whose defaults depend on them, such as the
// database kind). A missing file is not an error unless it was named.
func Load(src Source, file string, o config.Overrides, edits ...func(*config.Config)) (App, error) {
	var cfg config.Config
	names := ConfigFiles
	if file != "" {
		names = []string{file}
	}
	app := App{}
	for _, name := range names {
		data, err := src.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return App{}, fmt.Errorf("reading %s: %w", name, err)
		}
		if cfg, err = config.Parse(name, data); err != nil {
			return App{}, err
		}
		app.File = name
		break
	}
	if file != "" && app.File == "" {
		return App{}, fmt.Errorf("config file %s: not found in the source", file)
	}
	for _, edit := range edits {
		edit(&cfg)
	}
	done, err := detect.Complete(cfg, src)
	if err != nil {
		return App{}, err
	}
	eff, err := config.Effective(done.Config, o)
	if err != nil {
		return App{}, err
	}
	app.Config, app.Managers, app.Explain = eff, done.Managers, done.Explain()
	return app, nil
}

// Images plans every image of the app, in the configuration's order.
func (a App) Images(src Source) ([]Image, error) {
	var out []Image
	var errs []error
	for _, img := range a.Config.Images {
		p, err := ForImage(a.Config, img.Name, a.Managers[img.Name], src)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}
