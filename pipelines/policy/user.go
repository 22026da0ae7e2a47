package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// checkNonRoot judges the config's User, "user[:group]" with either part a
// name or a number.
//
// It fails when no user is set (containers then run as root), for "root" and
// for uid 0, whatever the group ("0:0", "root:1000", "0:nogroup"). A
// non-zero uid passes, with any group: gid 0 ("1000:0", the OpenShift
// convention) gives no root privileges.
//
// A user given by name, like node:20-alpine's "node" (uid 1000) or
// nginx's "nginx" (uid 101), passes by default: the config alone cannot tell
// its uid (that is in the image's /etc/passwd), but every name but "root"
// is, in practice, a non-root account, and the official Node images
// recommend exactly `USER node`. The detail then says that a numeric uid is
// preferred, as Kubernetes' runAsNonRoot refuses to start an image whose
// user is a name. With requireNumeric, a name fails instead.
func checkNonRoot(user string, requireNumeric bool) Result {
	r := Result{Rule: NonRoot}
	user = strings.TrimSpace(user)
	if user == "" {
		r.Detail = "no USER is set, so the container runs as root (uid 0); add e.g. USER 1000"
		return r
	}
	u, g, hasGroup := strings.Cut(user, ":")
	group := ""
	if hasGroup {
		group = fmt.Sprintf(" (group %q)", g)
	}
	switch {
	case u == "":
		r.Detail = fmt.Sprintf("USER %q names a group but no user; add a non-root uid, e.g. USER 1000:%s", user, g)
	case isDigits(u):
		uid, err := strconv.ParseUint(u, 10, 32)
		switch {
		case err != nil:
			r.Detail = fmt.Sprintf("USER %q: %q is not a valid uid (0 to 4294967295)", user, u)
		case uid == 0:
			r.Detail = fmt.Sprintf("USER %q is uid 0, root; use a non-root uid, e.g. USER 1000", user)
		default:
			r.Passed = true
			r.Detail = fmt.Sprintf("runs as uid %d%s", uid, group)
		}
	case u == "root":
		r.Detail = fmt.Sprintf("USER %q is root; use a non-root uid, e.g. USER 1000", user)
	case requireNumeric:
		r.Detail = fmt.Sprintf("USER %q is a name, which cannot be proven non-root without the image's /etc/passwd; use its numeric uid (e.g. USER 1000)", user)
	default:
		r.Passed = true
		r.Detail = fmt.Sprintf("runs as user %q%s; a numeric uid is preferred (Kubernetes runAsNonRoot refuses a name), e.g. USER 1000", u, group)
	}
	return r
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
