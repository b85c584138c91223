//go:build bench

// Command passthrough is a TCP pass-through with a goroutine per direction
// (io.Copy), no protocol work: the floor of a goroutine-per-connection Go
// proxy on the same machine, beside HAProxy and xaproxy
// (scripts/perf-lab.sh with PASSTHROUGH=1; docs/performance.md).
//
//	go run -tags bench ./bench/passthrough -listen 127.0.0.1:23311 -backend 127.0.0.1:23306
package main

import (
	"flag"
	"io"
	"log"
	"net"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:23311", "address to accept clients on")
	backend := flag.String("backend", "127.0.0.1:23306", "address every client is relayed to")
	flag.Parse()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go relay(c, *backend)
	}
}

func relay(c net.Conn, backend string) {
	defer c.Close()
	b, err := net.Dial("tcp", backend)
	if err != nil {
		log.Print(err)
		return
	}
	defer b.Close()
	go func() {
		_, _ = io.Copy(b, c)
		_ = b.Close()
	}()
	_, _ = io.Copy(c, b)
}
