package branches

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// graphFile is one of git's commit-graph files (gitformat-commit-graph,
// version 1, SHA-1), mapped in place: the single objects/info/commit-graph,
// or one layer of a split chain (objects/info/commit-graphs/), whose
// commits are numbered after those of the layers below it.
type graphFile struct {
	data  []byte
	unmap func() error
	first int32 // node number of its first commit
	n     int
	oidf  []byte // 256 big-endian cumulative counts
	oidl  []byte // n sorted 20-byte ids
	cdat  []byte // n records: root tree, two parents, generation and date
	edges []byte // parents beyond the first of octopus merges
	base  []byte // ids of the layers below, in a chain
	bidx  []byte // changed-path Bloom filters (history.go), if written
	bdat  []byte
	id    plumbing.Hash
}

// errGraphFormat is a commit-graph file this reader does not read: the
// commits it lists are read from their objects instead.
var errGraphFormat = errors.New("unsupported commit-graph")

// openGraphFile maps and checks one commit-graph file; first is the number
// of commits in the layers below it.
func openGraphFile(path string, first int) (*graphFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > 1<<40 {
		return nil, fmt.Errorf("%s: %w (too large)", path, errGraphFormat)
	}
	data, unmap, err := mapFile(f, int(st.Size()))
	if err != nil {
		return nil, err
	}
	gf := &graphFile{data: data, unmap: unmap, first: int32(first)}
	if err := gf.parse(); err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return gf, nil
}

func (gf *graphFile) parse() error {
	be := binary.BigEndian
	d := gf.data
	if len(d) < 8+20 || string(d[:4]) != "CGPH" || d[4] != 1 || d[5] != 1 {
		return fmt.Errorf("%w (not version 1 with SHA-1)", errGraphFormat)
	}
	nChunks, nBase := int(d[6]), int(d[7])
	chunks := map[string][]byte{}
	for i := 0; i < nChunks; i++ {
		at := 8 + 12*i
		if at+24 > len(d) {
			return fmt.Errorf("%w (truncated chunk table)", errGraphFormat)
		}
		start, end := be.Uint64(d[at+4:]), be.Uint64(d[at+16:])
		if start > end || end > uint64(len(d)-20) {
			return fmt.Errorf("%w (chunk out of the file)", errGraphFormat)
		}
		chunks[string(d[at:at+4])] = d[start:end]
	}
	gf.oidf, gf.oidl, gf.cdat, gf.edges, gf.base = chunks["OIDF"], chunks["OIDL"], chunks["CDAT"], chunks["EDGE"], chunks["BASE"]
	gf.bidx, gf.bdat = chunks["BIDX"], chunks["BDAT"]
	if len(gf.oidf) != 1024 || len(gf.oidl)%20 != 0 {
		return fmt.Errorf("%w (bad OIDF or OIDL chunk)", errGraphFormat)
	}
	gf.n = len(gf.oidl) / 20
	if len(gf.cdat) != 36*gf.n || int(be.Uint32(gf.oidf[1020:])) != gf.n || len(gf.base) != 20*nBase || len(gf.edges)%4 != 0 {
		return fmt.Errorf("%w (chunk sizes disagree)", errGraphFormat)
	}
	if int64(gf.first)+int64(gf.n) > 1<<31-1 {
		return fmt.Errorf("%w (too many commits)", errGraphFormat)
	}
	for i := 1; i < gf.n; i++ {
		if bytes.Compare(gf.oidl[20*i-20:20*i], gf.oidl[20*i:20*i+20]) >= 0 {
			return fmt.Errorf("%w (ids not sorted)", errGraphFormat)
		}
	}
	copy(gf.id[:], d[len(d)-20:])
	return nil
}

func (gf *graphFile) close() {
	if gf.unmap != nil {
		gf.unmap()
	}
}

// find returns the node of commit h if this file lists it.
func (gf *graphFile) find(h plumbing.Hash) (int32, bool) {
	i := gf.search(h[:])
	if i < gf.n && bytes.Equal(gf.oidl[20*i:20*i+20], h[:]) {
		return gf.first + int32(i), true
	}
	return 0, false
}

// search returns the position of the first id at or after key (a full id
// or a prefix).
func (gf *graphFile) search(key []byte) int {
	be := binary.BigEndian
	lo := 0
	if key[0] > 0 {
		lo = int(be.Uint32(gf.oidf[4*int(key[0])-4:]))
	}
	hi := int(be.Uint32(gf.oidf[4*int(key[0]):]))
	if lo > hi || hi > gf.n {
		return gf.n // a corrupt fanout: found nowhere
	}
	return lo + sort.Search(hi-lo, func(k int) bool {
		return bytes.Compare(gf.oidl[20*(lo+k):20*(lo+k)+20], key) >= 0
	})
}

// openCommitGraphs opens git's commit-graph: the single file, else a split
// chain, as many of its layers (from the base) as are whole and agree with
// each other. None is no error.
func openCommitGraphs(objects string) []*graphFile {
	info := filepath.Join(objects, "info")
	if gf, err := openGraphFile(filepath.Join(info, "commit-graph"), 0); err == nil {
		if len(gf.base) == 0 {
			return []*graphFile{gf}
		}
		gf.close()
	}
	f, err := os.Open(filepath.Join(info, "commit-graphs", "commit-graph-chain"))
	if err != nil {
		return nil
	}
	defer f.Close()
	var layers []*graphFile
	sc := bufio.NewScanner(f)
	first := 0
	for sc.Scan() {
		name := strings.TrimSpace(sc.Text())
		if !plumbing.IsHash(name) {
			break
		}
		gf, err := openGraphFile(filepath.Join(info, "commit-graphs", "graph-"+name+".graph"), first)
		if err != nil {
			break
		}
		// Its BASE chunk must name the layers below, in order.
		ok := gf.id == plumbing.NewHash(name) && len(gf.base) == 20*len(layers)
		for i := 0; ok && i < len(layers); i++ {
			ok = bytes.Equal(gf.base[20*i:20*i+20], layers[i].id[:])
		}
		if !ok {
			gf.close()
			break
		}
		layers = append(layers, gf)
		first += gf.n
	}
	return layers
}

// loadLayers reads parents and generation numbers of every commit the
// layers list into g, which must be empty. It reports false, leaving g
// empty, if a parent is out of range.
func (g *graph) loadLayers(layers []*graphFile) bool {
	be := binary.BigEndian
	n := 0
	for _, gf := range layers {
		n += gf.n
	}
	g.pstart = make([]uint32, 1, n+n/16+1)
	g.plist = make([]int32, 0, n+n/8)
	g.gen = make([]int32, 0, n+n/16)
	const none, extra, last = 0x70000000, 0x80000000, 0x80000000
	for _, gf := range layers {
		limit := uint32(gf.first) + uint32(gf.n) // a parent is in this layer or below
		for i := 0; i < gf.n; i++ {
			rec := gf.cdat[36*i : 36*i+36]
			for _, p := range [2]uint32{be.Uint32(rec[20:]), be.Uint32(rec[24:])} {
				switch {
				case p == none:
				case p&extra != 0:
					for j := int(p &^ extra); ; j++ {
						if 4*j+4 > len(gf.edges) {
							return false
						}
						e := be.Uint32(gf.edges[4*j:])
						if e&^last >= limit {
							return false
						}
						g.plist = append(g.plist, int32(e&^last))
						if e&last != 0 {
							break
						}
					}
				case p < limit:
					g.plist = append(g.plist, int32(p))
				default:
					return false
				}
			}
			g.pstart = append(g.pstart, uint32(len(g.plist)))
			g.gen = append(g.gen, int32(be.Uint32(rec[28:])>>2))
		}
	}
	g.files, g.sorted = layers, n
	return true
}
