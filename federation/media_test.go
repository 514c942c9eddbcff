package federation

import (
	"reflect"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// withPicture gives a golden note an attachment with alt text.
func withPicture(o *roundtable.StatusObject) *roundtable.StatusObject {
	o.Attachments = []roundtable.ObjectAttachment{{Type: "Document", MediaType: "image/jpeg",
		URL: "http://local.test/media/01JWQ6Z3K8C2V7M4N5P6R7S8T9.jpg", Name: "Protesters outside the town hall",
		Blurhash: "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH", Width: 1200, Height: 800, FocusX: 0, FocusY: 0.25}}
	return o
}

func TestRemoteAttachmentsAreReadTolerantly(t *testing.T) {
	note, err := decodeObject([]byte(`{"type":"Note","attachment":[
		{"type":"Document","mediaType":"image/png","url":"https://remote.example/a.png","name":"A chart","blurhash":"LEHV6nWB2yk8","width":640,"height":480,"focalPoint":[0.5,-0.5]},
		{"type":"Image","url":{"type":"Link","href":"https://remote.example/b.jpg","mediaType":"image/webp"}},
		{"type":"Document","url":[{"type":"Link","href":"https://remote.example/c.mp4","mediaType":"video/mp4"}]},
		{"type":"PropertyValue","name":"Pronouns","value":"they/them"},
		{"type":"Document","mediaType":"image/jpeg"}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []roundtable.RemoteAttachment{
		{URL: "https://remote.example/a.png", MediaType: "image/png", Name: "A chart", Blurhash: "LEHV6nWB2yk8", Width: 640, Height: 480, FocusX: 0.5, FocusY: -0.5},
		{URL: "https://remote.example/b.jpg", MediaType: "image/webp"},
		{URL: "https://remote.example/c.mp4", MediaType: "video/mp4"},
	}
	if got := remoteAttachments(note); !reflect.DeepEqual(got, want) {
		t.Errorf("attachments\n got %+v\nwant %+v", got, want)
	}
	single, _ := decodeObject([]byte(`{"type":"Note","attachment":{"type":"Document","mediaType":"image/gif","url":"https://remote.example/d.gif"}}`))
	if got := remoteAttachments(single); len(got) != 1 || got[0].URL != "https://remote.example/d.gif" {
		t.Errorf("a single attachment: %v", got)
	}
}
