// Command tlogcheck checks shenbao's transparency log with Go's reference
// implementation of signed notes and RFC 6962 proofs
// (golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog), sharing no
// code with the server.
//
//	tlogcheck checkpoint KEY NOTE              verify a signed checkpoint
//	tlogcheck tree KEY NOTE LEAVES             recompute its root from the leaves
//	tlogcheck inclusion KEY NOTE PROOF [LEAF]  check an inclusion proof
//	tlogcheck consistency KEY OLD NEW PROOF    check a consistency proof
//	tlogcheck sign NAME KEYOUT < TEXT > NOTE   sign TEXT with a new Go key
//
// KEY holds a verifier key "<name>+<id>+<data>"; NOTE, OLD and NEW signed
// checkpoints (c2sp.org/tlog-checkpoint) whose origin is the key's name.
// PROOF is the JSON the log serves: {"index", "size", "leaf_hash",
// "hashes"} or {"from", "to", "hashes"}, hashes in padded base64.  LEAF, when
// given, holds the leaf's bytes, hashed here to compare with leaf_hash.
// LEAVES is {"leaves": [base64 of each leaf's bytes, in order]}.
//
// Exit status: 0 when everything checks, 1 when something does not (the
// reason on stderr), 2 for a usage error.
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func readFile(name string) []byte {
	b, err := os.ReadFile(name)
	if err != nil {
		usage(err.Error())
	}
	return b
}

func usage(msg string) {
	fmt.Fprintln(os.Stderr, "tlogcheck:", msg)
	os.Exit(2)
}

// openCheckpoint verifies the note's signature by the key and parses the
// checkpoint text: origin, decimal size, base64 root, extension lines.
func openCheckpoint(vkey, msg []byte) (checkpoint, error) {
	v, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		return checkpoint{}, fmt.Errorf("verifier key: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return checkpoint{}, fmt.Errorf("note: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	// The text ends in a newline, so the last element is empty.
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return checkpoint{}, errors.New("checkpoint: fewer than three lines")
	}
	for _, ext := range lines[3 : len(lines)-1] {
		if ext == "" {
			return checkpoint{}, errors.New("checkpoint: empty extension line")
		}
	}
	if lines[0] != v.Name() {
		return checkpoint{}, fmt.Errorf("checkpoint: origin %q is not the key's name %q", lines[0], v.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return checkpoint{}, fmt.Errorf("checkpoint: bad tree size %q", lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint: bad root hash %q", lines[2])
	}
	return checkpoint{lines[0], size, root}, nil
}

func parseHashes(list []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		h, err := tlog.ParseHash(s)
		if err != nil {
			return nil, fmt.Errorf("hashes[%d]: %v", i, err)
		}
		out[i] = h
	}
	return out, nil
}

func decodeJSON(data []byte, v interface{}) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func checkInclusion(vkey, msg, proofJSON, leaf []byte) error {
	c, err := openCheckpoint(vkey, msg)
	if err != nil {
		return err
	}
	var p struct {
		Index    *int64   `json:"index"`
		Size     *int64   `json:"size"`
		LeafHash *string  `json:"leaf_hash"`
		Hashes   []string `json:"hashes"`
	}
	if err := decodeJSON(proofJSON, &p); err != nil || p.Index == nil || p.Size == nil || p.LeafHash == nil || p.Hashes == nil {
		return fmt.Errorf("inclusion proof: malformed JSON (%v)", err)
	}
	if *p.Size != c.size {
		return fmt.Errorf("inclusion proof is for size %d, the checkpoint for %d", *p.Size, c.size)
	}
	leafHash, err := tlog.ParseHash(*p.LeafHash)
	if err != nil {
		return fmt.Errorf("leaf_hash: %v", err)
	}
	if leaf != nil && tlog.RecordHash(leaf) != leafHash {
		return errors.New("leaf_hash is not the hash of the leaf's bytes")
	}
	hashes, err := parseHashes(p.Hashes)
	if err != nil {
		return err
	}
	if *p.Index < 0 || *p.Index >= c.size {
		return fmt.Errorf("index %d outside the tree of %d", *p.Index, c.size)
	}
	return tlog.CheckRecord(tlog.RecordProof(hashes), c.size, c.root, *p.Index, leafHash)
}

func checkConsistency(vkey, oldMsg, newMsg, proofJSON []byte) error {
	old, err := openCheckpoint(vkey, oldMsg)
	if err != nil {
		return fmt.Errorf("old %v", err)
	}
	cur, err := openCheckpoint(vkey, newMsg)
	if err != nil {
		return fmt.Errorf("new %v", err)
	}
	var p struct {
		From   *int64   `json:"from"`
		To     *int64   `json:"to"`
		Hashes []string `json:"hashes"`
	}
	if err := decodeJSON(proofJSON, &p); err != nil || p.From == nil || p.To == nil || p.Hashes == nil {
		return fmt.Errorf("consistency proof: malformed JSON (%v)", err)
	}
	if *p.From != old.size || *p.To != cur.size {
		return fmt.Errorf("consistency proof is from %d to %d, the checkpoints %d and %d", *p.From, *p.To, old.size, cur.size)
	}
	hashes, err := parseHashes(p.Hashes)
	if err != nil {
		return err
	}
	if old.size < 1 || old.size > cur.size {
		return fmt.Errorf("no consistency proof from %d to %d", old.size, cur.size)
	}
	return tlog.CheckTree(tlog.TreeProof(hashes), cur.size, cur.root, old.size, old.root)
}

// hashStore keeps the tree's stored hashes in tlog's own layout.
type hashStore []tlog.Hash

func (s *hashStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(*s)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = (*s)[x]
	}
	return out, nil
}

func checkTree(vkey, msg, leavesJSON []byte) error {
	c, err := openCheckpoint(vkey, msg)
	if err != nil {
		return err
	}
	var l struct {
		Leaves []string `json:"leaves"`
	}
	if err := decodeJSON(leavesJSON, &l); err != nil {
		return fmt.Errorf("leaves: %v", err)
	}
	if int64(len(l.Leaves)) != c.size {
		return fmt.Errorf("%d leaves, the checkpoint says %d", len(l.Leaves), c.size)
	}
	var s hashStore
	for i, b64 := range l.Leaves {
		data, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return fmt.Errorf("leaves[%d]: %v", i, err)
		}
		add, err := tlog.StoredHashes(int64(i), data, &s)
		if err != nil {
			return err
		}
		s = append(s, add...)
	}
	root, err := tlog.TreeHash(c.size, &s)
	if err != nil {
		return err
	}
	if c.size == 0 {
		// RFC 6962: the empty tree's hash is SHA-256 of nothing (sumdb's
		// TreeHash says all zeros; checkpoints follow the RFC).
		root = sha256.Sum256(nil)
	}
	if root != c.root {
		return fmt.Errorf("the leaves hash to %v, the checkpoint says %v", root, c.root)
	}
	return nil
}

func sign(name, keyOut string) error {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return err
	}
	text, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	msg, err := note.Sign(&note.Note{Text: string(text)}, signer)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyOut, []byte(vkey+"\n"), 0o644); err != nil {
		return err
	}
	_, err = os.Stdout.Write(msg)
	return err
}

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		usage("no command")
	}
	var err error
	switch cmd, a := args[0], args[1:]; {
	case cmd == "checkpoint" && len(a) == 2:
		var c checkpoint
		c, err = openCheckpoint(readFile(a[0]), readFile(a[1]))
		if err == nil {
			fmt.Printf("%d %v\n", c.size, c.root)
		}
	case cmd == "tree" && len(a) == 3:
		err = checkTree(readFile(a[0]), readFile(a[1]), readFile(a[2]))
	case cmd == "inclusion" && (len(a) == 3 || len(a) == 4):
		var leaf []byte
		if len(a) == 4 {
			leaf = readFile(a[3])
		}
		err = checkInclusion(readFile(a[0]), readFile(a[1]), readFile(a[2]), leaf)
	case cmd == "consistency" && len(a) == 4:
		err = checkConsistency(readFile(a[0]), readFile(a[1]), readFile(a[2]), readFile(a[3]))
	case cmd == "sign" && len(a) == 2:
		err = sign(a[0], a[1])
	default:
		usage("unknown command or wrong arguments: " + strings.Join(args, " "))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck:", err)
		os.Exit(1)
	}
}
