package recipe

import (
	"fmt"
	"strconv"
)

// NodeHealthcheck returns a Docker healthcheck command for the backend that
// needs only node (no curl or wget in the image): it fetches the health path
// on loopback and exits 0 on a 2xx answer within 3 seconds.
func NodeHealthcheck(port int, healthPath string) []string {
	url := "http://127.0.0.1:" + strconv.Itoa(port) + healthPath
	script := fmt.Sprintf("fetch(%q,{signal:AbortSignal.timeout(3000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))", url)
	return []string{"node", "-e", script}
}

// NginxHealthcheck returns a Docker healthcheck command for the frontend:
// curl, which the official nginx images ship (Debian and alpine alike), or
// else wget (busybox's, in alpine-based images), through the image's sh;
// it exits 0 on a 2xx answer. (The healthcheck's own timeout bounds wget:
// some busybox builds crash on its -T option.)
func NginxHealthcheck(path string) []string {
	url := "http://127.0.0.1:80" + path
	return []string{"sh", "-c", "curl -fsS -o /dev/null --max-time 4 " + url + " || wget -q --spider " + url}
}
