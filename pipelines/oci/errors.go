package oci

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// MissingEntryError reports a file the image needs (a blob, index.json, a
// layer) that the tarball does not hold.
type MissingEntryError struct {
	// Name is the path inside the tarball, e.g. "blobs/sha256/ab12…".
	Name string
}

// Error names the missing member.
func (e *MissingEntryError) Error() string {
	return fmt.Sprintf("%q is not in the tarball", e.Name)
}

// DigestMismatchError reports content whose digest is not the one the image
// metadata announces: a corrupt or tampered tarball.
type DigestMismatchError struct {
	// What names the content, e.g. "layer 2 (blobs/sha256/ab12…) uncompressed".
	What string
	// Want is the digest the metadata announces.
	Want v1.Hash
	// Got is the digest of the bytes read.
	Got v1.Hash
}

// Error names the content and both digests.
func (e *DigestMismatchError) Error() string {
	return fmt.Sprintf("%s: digest is %s, the image metadata says %s", e.What, e.Got, e.Want)
}

// PlatformError reports that the platform to measure cannot be chosen: none
// of the image's manifests matches the one asked for, or the tarball holds
// several and none was asked for.
type PlatformError struct {
	// Want is the platform asked for; empty when none was.
	Want string
	// Available lists the platforms the tarball holds, e.g. "linux/amd64".
	Available []string
}

// Error lists the platforms available and says how to choose.
func (e *PlatformError) Error() string {
	avail := strings.Join(e.Available, ", ")
	if e.Want == "" && len(e.Available) > 0 {
		return fmt.Sprintf("the tarball holds images for several platforms (%s): choose one with WithPlatform, e.g. %q", avail, e.Available[0])
	}
	return fmt.Sprintf("no image for platform %q in the tarball; it holds: %s", e.Want, avail)
}
