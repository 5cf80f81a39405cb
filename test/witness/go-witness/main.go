// A tlog-witness for Sealhouse's tests built from transparency-dev/witness's own packages (the
// witness.Witness that omniwitness runs, its HTTP handler and in-memory state), without
// omniwitness's feeders, which would reach out to public logs.
//
// Environment: LOG_ORIGIN, LOG_VKEY (the log's 0x01 vkey). A fresh witness key is generated.
// Prints "VKEY <cosignature/v1 vkey>" and "URL <submission prefix>" on stdout, then serves
// POST /add-checkpoint on 127.0.0.1 until stdin closes.
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"

	tnote "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/witness/persistence/inmemory"
	"github.com/transparency-dev/witness/witness"
	"golang.org/x/mod/sumdb/note"
)

func main() {
	ctx := context.Background()
	origin, logVkey := os.Getenv("LOG_ORIGIN"), os.Getenv("LOG_VKEY")
	logVerifier, err := note.NewVerifier(logVkey)
	if err != nil {
		log.Fatalf("LOG_VKEY: %v", err)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "go-witness.test/w1")
	if err != nil {
		log.Fatal(err)
	}
	signer, err := tnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		log.Fatal(err)
	}
	cosigVkey, err := tnote.VKeyToCosignatureV1(vkey)
	if err != nil {
		log.Fatal(err)
	}
	w, err := witness.New(ctx, witness.Opts{
		Persistence: inmemory.New(),
		Signers:     []note.Signer{signer},
		VerifierForLog: func(_ context.Context, o string) (note.Verifier, bool, error) {
			return logVerifier, o == origin, nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add-checkpoint", witness.NewHTTPHandler(w).AddCheckpoint)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("VKEY %s\nURL http://%s\n", cosigVkey, l.Addr())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	log.Fatal(http.Serve(l, mux))
}
