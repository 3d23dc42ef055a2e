package model

// nodeAlloc hands out Nodes and the slices of their entries from blocks: a
// model of 10,000 threats has some 700,000 Nodes, and allocating them one by
// one cost more than the checks. Nodes of one file live and die together
// (the model keeps none), so a block is not kept alive for long by a few of
// its Nodes. Slices are cut to their capacity, so that appending to one
// (merge keys do) copies it rather than overwrite its neighbour.
type nodeAlloc struct {
	nodes []Node
	ptrs  []*Node
	strs  []string
	poss  []Pos
	// the size of the next block of each, growing with the file
	nNodes, nPtrs, nStrs, nPoss int
}

const (
	minAllocBlock = 32
	maxAllocBlock = 4096
)

func grow(n *int) int {
	switch {
	case *n == 0:
		*n = minAllocBlock
	case *n < maxAllocBlock:
		*n *= 2
	}
	return *n
}

func (a *nodeAlloc) node() *Node {
	if len(a.nodes) == 0 {
		a.nodes = make([]Node, grow(&a.nNodes))
	}
	n := &a.nodes[0]
	a.nodes = a.nodes[1:]
	return n
}

// nodeSlice returns an empty slice with room for n Nodes.
func (a *nodeAlloc) nodeSlice(n int) []*Node {
	if n == 0 {
		return nil
	}
	if n > len(a.ptrs) {
		if n > maxAllocBlock/8 {
			return make([]*Node, 0, n)
		}
		a.ptrs = make([]*Node, max(grow(&a.nPtrs), n))
	}
	s := a.ptrs[:0:n]
	a.ptrs = a.ptrs[n:]
	return s
}

func (a *nodeAlloc) stringSlice(n int) []string {
	if n == 0 {
		return nil
	}
	if n > len(a.strs) {
		if n > maxAllocBlock/8 {
			return make([]string, 0, n)
		}
		a.strs = make([]string, max(grow(&a.nStrs), n))
	}
	s := a.strs[:0:n]
	a.strs = a.strs[n:]
	return s
}

func (a *nodeAlloc) posSlice(n int) []Pos {
	if n == 0 {
		return nil
	}
	if n > len(a.poss) {
		if n > maxAllocBlock/8 {
			return make([]Pos, 0, n)
		}
		a.poss = make([]Pos, max(grow(&a.nPoss), n))
	}
	s := a.poss[:0:n]
	a.poss = a.poss[n:]
	return s
}
