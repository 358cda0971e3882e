package client

// Dialect is the API an endpoint speaks.
type Dialect int

const (
	// Producer is the standard's own producer API (RAML): POST
	// {base}/kundhandelser, one kund and/or ärende per request.
	Producer Dialect = iota
	// Forwarding is Skatteverket's forwarding service
	// (vidareförmedlingstjänsten): POST {base}/kundhandelseFragaSynkron, many
	// parter per request, answers merged across producers with delfragor.
	Forwarding
)

func (d Dialect) String() string {
	switch d {
	case Producer:
		return "producer"
	case Forwarding:
		return "forwarding"
	}
	return "Dialect(?)"
}
