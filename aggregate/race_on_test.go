//go:build race

package aggregate_test

// raceEnabled: the race detector multiplies memory, so memory figures
// taken under it say nothing about a user's program.
const raceEnabled = true
