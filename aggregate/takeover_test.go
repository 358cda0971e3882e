package aggregate

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// gather must move every element where the order says, for every
// permutation: a slip would put one case's event into another's place.
func TestGather(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 40 {
		for range 20 {
			s := make([]int, n)
			for i := range s {
				s[i] = i * 10
			}
			perm := rng.Perm(n)
			order := make([]int32, n)
			want := make([]int, n)
			for i, p := range perm {
				order[i] = int32(p)
				want[i] = p * 10
			}
			gather(s, order)
			if !slices.Equal(s, want) {
				t.Fatalf("gather by %v = %v, want %v", perm, s, want)
			}
		}
	}
}
