package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"

	"infomat/app"
	"infomat/content"
	"infomat/kiosk/pdfpages"
)

// bundlePDF gives the UI PDF attachments of the content bundle as page images, with the
// renderer's errors mapped to those the UI explains to residents, and logs every failure.
type bundlePDF struct {
	r   *pdfpages.Renderer
	log *slog.Logger
}

func (p bundlePDF) PageCount(ctx context.Context, b *content.Bundle, file string) (int, int, error) {
	total, shown, err := p.r.PageCount(ctx, b.Files, file)
	return total, shown, p.explain(err)
}

func (p bundlePDF) RenderPage(ctx context.Context, b *content.Bundle, file string, page, dpi int) (image.Image, error) {
	img, err := p.r.RenderPage(ctx, b.Files, file, page, dpi)
	return img, p.explain(err)
}

func (p bundlePDF) explain(err error) error {
	if err == nil {
		return nil
	}
	p.log.Warn("PDF attachment not shown", "err", err)
	switch {
	case errors.Is(err, pdfpages.ErrUnavailable):
		return fmt.Errorf("%w: %w", app.ErrPDFUnavailable, err)
	case errors.Is(err, pdfpages.ErrTimeout):
		return fmt.Errorf("%w: %w", app.ErrPDFTimeout, err)
	}
	return err
}
