// Package publish pushes the images of a run that passed to an OCI
// registry, once each, and gives them every computed tag.
//
// ci/ exports each image with Container.AsTarball().Export, runs the gates
// into a report, and then:
//
//	targets, err := publish.Plan(prefix, app, []string{"frontend", "backend"}, tagsResult)
//	// ...
//	res, err := publish.Publish(ctx, b.Report(), targets,
//		map[string]string{"frontend": frontendTar, "backend": backendTar},
//		publish.WithBasicAuth(user, password), // password: the secret's Plaintext, in memory only
//		publish.WithInsecure(insecure))
//	var gate *publish.GateError
//	switch {
//	case errors.As(err, &gate):
//		b.Block(report.StagePublish, gate.Names()...) // nothing was sent
//	case res == nil && err != nil:
//		b.AddError(report.StagePublish, err, took) // refused before sending anything
//	default:
//		b.AddPublish(tagsResult, res.Pushed(), took)
//	}
//
// # Naming
//
// Each image goes to the repository "<prefix>/<app>-<image>", lowercase:
// the prefix "ghcr.io/acme", the app "hivemind" and the image "frontend"
// give ghcr.io/acme/hivemind-frontend. One repository per image keeps each
// image's tags (1.2.3, latest…) its own, which a single repository could
// not. The prefix must name the registry host (docker.io for Docker Hub).
// See Plan.
//
// # Guarantees
//
//   - Nothing is pushed without a report that passed: Push takes the
//     Approval that only Gate makes, and Publish gates first. A refusal
//     sends no request at all.
//   - What is pushed is what was checked: every tarball is opened before
//     any request, and must hold the image whose digest the report
//     recorded. An OCI layout's manifest, config and blobs are pushed as
//     stored, so the registry's digest is the one the pipeline measured.
//   - Once: an image is pushed under its first tag (blobs and manifest);
//     the other tags are manifest PUTs only, with no blob request.
//   - Nothing is reported as published that is not: every tag is read back
//     and must resolve to the pushed digest; Result.Refs lists only those.
//     A failed push has no refs; a tag that fails stops the tagging (a
//     less specific tag such as latest never moves past a failed one) and
//     the refs list the tags applied.
//   - Streamed: layers are read from the tarball as they are uploaded;
//     memory does not grow with the image (see BenchmarkPush).
//   - Errors say what to do (see Error and ErrorKind) and never hold the
//     password, even when a registry quotes the credentials back.
//
// # Not supported
//
// Multi-platform images: a tarball with an index of several platforms is
// refused with an error saying so; export one platform per tarball. Mounting
// blobs across repositories (frontend and backend share no layers in
// practice) and pushing attestations are not done either.
//
// Tests run against a real registry on loopback (package registrytest:
// go-containerregistry's registry behind Basic authentication).
package publish
