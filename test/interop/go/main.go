// Command verify-chronicle checks a Chronicle server's signed checkpoint, an inclusion proof
// and a consistency proof with Go's golang.org/x/mod/sumdb/note and sumdb/tlog: an
// implementation Chronicle did not write.
//
//	CHRONICLE_URL=http://127.0.0.1:3000 CHRONICLE_KEY=chr_… CHRONICLE_OLD_NOTE="$(cat old.note)" \
//	  go run . -vkey '<verifier key>'
//
// CHRONICLE_OLD_NOTE is a checkpoint seen earlier: the latest must be consistent with it.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var base, key string

func get(path string, out any) {
	req, err := http.NewRequest("GET", base+path, nil)
	check(err)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	check(err)
	defer res.Body.Close()
	if res.StatusCode != 200 {
		fail("GET %s: %s", path, res.Status)
	}
	check(json.NewDecoder(res.Body).Decode(out))
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func hashOf(b64 string) tlog.Hash {
	raw, err := base64.StdEncoding.DecodeString(b64)
	check(err)
	if len(raw) != tlog.HashSize {
		fail("hash of %d bytes", len(raw))
	}
	var h tlog.Hash
	copy(h[:], raw)
	return h
}

// openCheckpoint verifies the note's signature and reads the C2SP tlog-checkpoint body.
func openCheckpoint(text string, verifiers note.Verifiers) (origin string, size int64, root tlog.Hash) {
	n, err := note.Open([]byte(text), verifiers)
	check(err)
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		fail("malformed checkpoint %q", n.Text)
	}
	size, err = strconv.ParseInt(lines[1], 10, 64)
	check(err)
	return lines[0], size, hashOf(lines[2])
}

func main() {
	vkey := flag.String("vkey", "", "pinned verifier key")
	flag.Parse()
	base, key = os.Getenv("CHRONICLE_URL"), os.Getenv("CHRONICLE_KEY")

	verifier, err := note.NewVerifier(*vkey)
	check(err)
	verifiers := note.VerifierList(verifier)

	var checkpoint struct {
		Note     string `json:"note"`
		TreeSize int64  `json:"tree_size"`
	}
	get("/v1/integrity/checkpoint", &checkpoint)
	origin, size, root := openCheckpoint(checkpoint.Note, verifiers)
	if size != checkpoint.TreeSize {
		fail("note says %d, JSON says %d", size, checkpoint.TreeSize)
	}

	// Every event: its leaf is SHA-256(0x00 ‖ hash bytes), i.e. tlog.RecordHash(hash bytes).
	var page struct {
		Data []struct {
			Seq  int64  `json:"seq"`
			Hash string `json:"hash"`
		} `json:"data"`
	}
	get("/v1/events?order=asc&limit=200", &page)
	proven := 0
	for _, event := range page.Data {
		if event.Seq > size {
			continue
		}
		var proof struct {
			Hashes []string `json:"hashes"`
		}
		get(fmt.Sprintf("/v1/integrity/proofs/inclusion?seq=%d&tree_size=%d", event.Seq, size), &proof)
		data, err := hex.DecodeString(event.Hash)
		check(err)
		var rp tlog.RecordProof
		for _, h := range proof.Hashes {
			rp = append(rp, hashOf(h))
		}
		if err := tlog.CheckRecord(rp, size, root, event.Seq-1, tlog.RecordHash(data)); err != nil {
			fail("inclusion of seq %d: %v", event.Seq, err)
		}
		proven++
	}

	// Consistency with the older checkpoint, itself signature-checked.
	oldOrigin, oldSize, oldRoot := openCheckpoint(os.Getenv("CHRONICLE_OLD_NOTE"), verifiers)
	if oldOrigin != origin {
		fail("the older checkpoint is of another log: %s", oldOrigin)
	}
	var consistency struct {
		Hashes []string `json:"hashes"`
	}
	get(fmt.Sprintf("/v1/integrity/proofs/consistency?from_size=%d&to_size=%d", oldSize, size), &consistency)
	var tp tlog.TreeProof
	for _, h := range consistency.Hashes {
		tp = append(tp, hashOf(h))
	}
	if err := tlog.CheckTree(tp, size, root, oldSize, oldRoot); err != nil {
		fail("consistency %d → %d: %v", oldSize, size, err)
	}
	fmt.Printf("OK %s size=%d inclusion=%d consistency=%d->%d\n", origin, size, proven, oldSize, size)
}
