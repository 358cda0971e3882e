package viewer_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"regexp"

	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/catalog/viewer"
)

func ExampleNew() {
	c, err := sample.Catalog()
	if err != nil {
		panic(err)
	}
	h := viewer.New(c, nil)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/typ/KOMMUN.BYGGLOV", nil))
	body, _ := io.ReadAll(rec.Body)
	fmt.Println(rec.Code, rec.Header().Get("Content-Security-Policy"))
	for _, m := range regexp.MustCompile(`<(h1|figcaption)>([^<]*)<`).FindAllStringSubmatch(string(body), -1) {
		fmt.Println(m[1]+":", m[2])
	}
	// Output:
	// 200 default-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'
	// h1: Ansöka om bygglov
	// figcaption: Hela flödet
	// figcaption: Flödet hos Stockholms stad
	// figcaption: Flödet hos Värmdö kommun
}
