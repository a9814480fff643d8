// Command dqlite-join adds a running dqlite node to a cluster and makes it a
// voter: the one thing the `dqlite` shell can not do. Two more modes serve
// the failover test (tests/cluster): waiting for a leader, and handing
// leadership to a chosen node.
//
//	dqlite-join [-timeout 30s] CLUSTER ID ADDRESS
//	    Adds node ID, listening on ADDRESS, as a voter. CLUSTER is a
//	    comma-separated list of addresses of nodes already in the cluster
//	    (any of them: the leader is found among them). The new node must be
//	    running (examples/dqlite/node.c): dqlite grants it the vote once it
//	    has caught up with the leader's log. A node that is already a voter
//	    is left as it is, so the command can be repeated.
//
//	dqlite-join -leader [-not ADDRESS] [-timeout 30s] CLUSTER
//	    Asks every node of CLUSTER, every 10 ms, which node leads, until one
//	    answers that it does itself (and is not ADDRESS, the leader just
//	    killed). Prints "ID ADDRESS MILLISECONDS", the time it waited.
//
//	dqlite-join -transfer ID [-timeout 30s] CLUSTER
//	    Asks the leader to hand leadership to voter ID, then waits until ID
//	    leads. Prints "ID ADDRESS MILLISECONDS".
//
//	dqlite-join -ask ADDRESS
//	    Prints "ID ADDRESS" of the leader that the node at ADDRESS follows,
//	    as its own Raft state says ("0 -" while it knows none): a restarted
//	    node names the leader once it has heard from it.
//
// Built offline from Debian's packages (golang-go,
// golang-github-canonical-go-dqlite-dev), without cgo:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode CGO_ENABLED=0 go build -o dist/dqlite-join ./examples/dqlite/join
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/canonical/go-dqlite/client"
)

func main() {
	timeout := flag.Duration("timeout", 30*time.Second, "give up after this long")
	leader := flag.Bool("leader", false, "wait until a node of CLUSTER leads, print it")
	not := flag.String("not", "", "with -leader: a leader at this address does not count")
	transfer := flag.Uint64("transfer", 0, "hand leadership to this node id")
	ask := flag.String("ask", "", "print the leader the node at this address follows")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: dqlite-join [-timeout 30s] CLUSTER ID ADDRESS\n"+
			"       dqlite-join -leader [-not ADDRESS] [-timeout 30s] CLUSTER\n"+
			"       dqlite-join -transfer ID [-timeout 30s] CLUSTER\n"+
			"       dqlite-join -ask ADDRESS")
		flag.PrintDefaults()
	}
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	var err error
	switch {
	case *ask != "" && !*leader && *transfer == 0 && flag.NArg() == 0:
		err = askLeader(ctx, *ask)
	case *leader && *transfer == 0 && flag.NArg() == 1:
		err = waitLeader(ctx, members(flag.Arg(0)), func(n client.NodeInfo) bool {
			return n.Address != *not
		})
	case *transfer != 0 && !*leader && *ask == "" && flag.NArg() == 1:
		err = transferTo(ctx, members(flag.Arg(0)), *transfer)
	case !*leader && *transfer == 0 && *ask == "" && flag.NArg() == 3:
		id, perr := strconv.ParseUint(flag.Arg(1), 10, 64)
		if perr != nil || id == 0 {
			fmt.Fprintf(os.Stderr, "dqlite-join: bad node id %q\n", flag.Arg(1))
			os.Exit(2)
		}
		err = join(ctx, members(flag.Arg(0)), id, flag.Arg(2))
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "dqlite-join: %v\n", err)
		os.Exit(1)
	}
}

func members(list string) []string {
	var out []string
	for _, a := range strings.Split(list, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// findLeader connects to the leader: every membership change goes through it.
// FindLeader retries (with backoff) until one answers or ctx ends.
func findLeader(ctx context.Context, addrs []string) (*client.Client, error) {
	infos := make([]client.NodeInfo, len(addrs))
	for i, a := range addrs {
		infos[i].Address = a
	}
	store := client.NewInmemNodeStore()
	if err := store.Set(ctx, infos); err != nil {
		return nil, err
	}
	c, err := client.FindLeader(ctx, store)
	if err != nil {
		return nil, fmt.Errorf("no leader among %s: %w", strings.Join(addrs, ","), err)
	}
	return c, nil
}

func join(ctx context.Context, addrs []string, id uint64, address string) error {
	leader, err := findLeader(ctx, addrs)
	if err != nil {
		return err
	}
	defer leader.Close()

	nodes, err := leader.Cluster(ctx)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	var known *client.NodeInfo
	for i := range nodes {
		if nodes[i].ID == id {
			known = &nodes[i]
		} else if nodes[i].Address == address {
			return fmt.Errorf("node %d: address %s is already node %d's", id, address, nodes[i].ID)
		}
	}
	switch {
	case known == nil:
		// Add registers the node as a spare, then assigns it the role asked.
		if err := leader.Add(ctx, client.NodeInfo{ID: id, Address: address, Role: client.Voter}); err != nil {
			return fmt.Errorf("node %d: add as voter: %w", id, err)
		}
	case known.Address != address:
		return fmt.Errorf("node %d is already in the cluster at %s", id, known.Address)
	case known.Role != client.Voter:
		if err := leader.Assign(ctx, id, client.Voter); err != nil {
			return fmt.Errorf("node %d: promote to voter: %w", id, err)
		}
	}
	info, err := leader.Leader(ctx)
	if err != nil {
		return fmt.Errorf("leader: %w", err)
	}
	fmt.Printf("node %d (%s) is a voter; leader is node %d (%s)\n", id, address, info.ID, info.Address)
	return nil
}

// claimsLeadership asks the node at address which node leads; it answers
// with its own Raft state, so a node naming itself is the leader.
func claimsLeadership(ctx context.Context, address string) (*client.NodeInfo, bool) {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	c, err := client.New(ctx, address)
	if err != nil {
		return nil, false
	}
	defer c.Close()
	info, err := c.Leader(ctx)
	if err != nil || info == nil || info.Address != address {
		return nil, false
	}
	return info, true
}

func askLeader(ctx context.Context, address string) error {
	c, err := client.New(ctx, address)
	if err != nil {
		return fmt.Errorf("%s: %w", address, err)
	}
	defer c.Close()
	info, err := c.Leader(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", address, err)
	}
	if info == nil || info.Address == "" {
		fmt.Println("0 -")
	} else {
		fmt.Printf("%d %s\n", info.ID, info.Address)
	}
	return nil
}

func waitLeader(ctx context.Context, addrs []string, ok func(client.NodeInfo) bool) error {
	start := time.Now()
	for {
		for _, a := range addrs {
			if info, leads := claimsLeadership(ctx, a); leads && ok(*info) {
				fmt.Printf("%d %s %d\n", info.ID, info.Address, time.Since(start).Milliseconds())
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return errors.New("no new leader in time among " + strings.Join(addrs, ","))
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func transferTo(ctx context.Context, addrs []string, id uint64) error {
	start := time.Now()
	leader, err := findLeader(ctx, addrs)
	if err != nil {
		return err
	}
	err = leader.Transfer(ctx, id)
	leader.Close()
	if err != nil {
		return fmt.Errorf("transfer to node %d: %w", id, err)
	}
	err = waitLeader(ctx, addrs, func(n client.NodeInfo) bool { return n.ID == id })
	if err == nil {
		fmt.Fprintf(os.Stderr, "leadership handed to node %d in %d ms\n", id, time.Since(start).Milliseconds())
	}
	return err
}
