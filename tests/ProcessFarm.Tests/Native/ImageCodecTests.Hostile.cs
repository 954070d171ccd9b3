using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;
using Xunit;

namespace ProcessFarm.Tests.Native;

/// <summary>Files that are not usable images: refused with the codec's reason, before any pixel memory, never decoded into grey.</summary>
public sealed partial class ImageCodecTests
{
    [Fact]
    public void Open_EmptyFile_IsFormatError()
    {
        string path = Path.Combine(_directory, "empty.png");
        File.WriteAllBytes(path, []);
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Open(path, ImageFile.DefaultMaxPixels));
        Assert.Equal(NativeStatus.Format, error.Status);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WrongMagic_IsFormatError()
    {
        string path = Path.Combine(_directory, "text.png");
        File.WriteAllText(path, "this is not an image at all");
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Open(path, ImageFile.DefaultMaxPixels));
        Assert.Equal(NativeStatus.Format, error.Status);
    }

    [Theory]
    [InlineData("png", 0.3)]
    [InlineData("png", 0.7)]
    [InlineData("png", 0.98)]
    [InlineData("jpg", 0.005)]
    [InlineData("jpg", 0.5)]
    [InlineData("jpg", 0.95)]
    public void Decode_TruncatedFile_IsFormatError(string extension, double keep)
    {
        var geometry = new ImageGeometry(64, 64, 3);
        string whole = Path.Combine(_directory, "whole." + extension);
        using (var sample = PixelBuffer.Allocate(geometry))
        {
            SampleImage.Generate(sample);
            ImageFile.Save(whole, sample.Span, geometry);
        }
        byte[] bytes = File.ReadAllBytes(whole);
        string truncated = Path.Combine(_directory, "cut." + extension);
        File.WriteAllBytes(truncated, bytes[..Math.Max(4, (int)(bytes.Length * keep))]);

        var error = Assert.Throws<InputException>(() => ImageFile.Load(truncated).Dispose());

        Assert.StartsWith($"'{truncated}': ", error.Message, StringComparison.Ordinal);
        Assert.Equal(NativeStatus.Format, Assert.IsType<InvalidImageException>(error.InnerException).Status);
    }

    [Theory]
    [MemberData(nameof(Integration.CorruptInputTests.CorruptFiles), MemberType = typeof(Integration.CorruptInputTests))]
    public void Decode_CorruptFile_IsFormatError_NamingTheProblem(string name, string problem)
    {
        byte[] bytes = Integration.CorruptInputTests.Build(name);

        var error = Assert.Throws<InvalidImageException>(() =>
        {
            using var decoder = ImageDecoder.Open(bytes, ImageFile.DefaultMaxPixels);
            ImageFile.DecodeAll(decoder, PixelBuffer.Allocate).Dispose();
        });

        Assert.Equal(NativeStatus.Format, error.Status);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_PngDeclaringHugeSize_IsRefusedBeforeAllocating()
    {
        string path = Path.Combine(_directory, "bomb.png");
        File.WriteAllBytes(path, HostileImages.PngHeader(100_000, 100_000));

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Open(path, ImageFile.DefaultMaxPixels));

        Assert.Equal(NativeStatus.TooLarge, error.Status);
        Assert.Contains("100000x100000", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("huge-chunk.png", "the file is truncated: its 'tEXt' chunk declares 2147483647 bytes, 96 remain")]
    [InlineData("forged-size.png", "PNG declares 20000x20000 pixels but has only")]
    [InlineData("progressive-500mp.jpg", "JPEG declares 25000x20000 pixels (23437500 blocks) but has only 296002 bytes of image data")]
    public void Open_TinyFileDeclaringAHugeImage_IsRefusedAsCorrupt(string name, string message)
    {
        byte[] bytes = Integration.ServeTests.BuildHostile(name);

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Open(bytes, ImageFile.DefaultMaxPixels).Dispose());

        Assert.Equal(NativeStatus.Format, error.Status);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_PngWithTextBomb_IgnoresTheText()
    {
        using var decoder = ImageDecoder.Open(HostileImages.PngWithTextBomb(chunks: 8), ImageFile.DefaultMaxPixels);
        using var pixels = ImageFile.DecodeAll(decoder, PixelBuffer.Allocate);

        Assert.Equal(new ImageGeometry(16, 1, 3), pixels.Geometry);
    }

    [Theory]
    [InlineData(500, true)]
    [InlineData(501, false)]
    public void Open_ProgressiveJpeg_AtMost500Scans(int scans, bool accepted)
    {
        byte[] jpeg = HostileImages.ProgressiveJpegWithManyScans(scans);

        if (accepted)
        {
            using var decoder = ImageDecoder.Open(jpeg, ImageFile.DefaultMaxPixels);
            using var pixels = ImageFile.DecodeAll(decoder, PixelBuffer.Allocate);
            Assert.Equal(new ImageGeometry(8, 8, 1), pixels.Geometry);
        }
        else
        {
            var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Open(jpeg, ImageFile.DefaultMaxPixels).Dispose());
            Assert.Contains("more than 500 scans", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Open_ProgressiveJpegWithoutDataForAComponent_IsIncomplete()
    {
        // Three components, but only the first one's DC scan: the others would be painted grey.
        byte[] jpeg = HostileImages.HandMadeProgressiveJpeg(8, 8, 3, [new HostileImages.Scan(0, 0, 0, 0, [1], [0x00])]);

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Open(jpeg, ImageFile.DefaultMaxPixels).Dispose());

        Assert.Equal(NativeStatus.Format, error.Status);
        Assert.Contains("no data for component 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ArithmeticCodedJpeg_IsUnsupported()
    {
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Open(HostileImages.ArithmeticJpegHeader(), ImageFile.DefaultMaxPixels).Dispose());

        Assert.Equal(NativeStatus.Unsupported, error.Status);
        Assert.Contains("arithmetic", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_FlatImagesAtTheBoundsEdge_StillDecode()
    {
        // The flattest data the encoders write: a progressive JPEG spends about 2 bits per block (the bound allows 1
        // per block), zlib about 1030 bytes of scanlines per byte (the bound allows 1032).
        var geometry = new ImageGeometry(4000, 3000, 3);
        using var flat = PixelBuffer.Allocate(geometry);
        flat.Span.Fill(128);
        using (var jpeg = ImageEncoder.BeginProgressiveJpeg(geometry.Width, geometry.Height, geometry.Channels))
        {
            jpeg.WriteRows(flat.Span, geometry.RowBytes, geometry.Height);
            using var decoder = ImageDecoder.Open(jpeg.Finish().ToArray(), ImageFile.DefaultMaxPixels);
            using var decoded = ImageFile.DecodeAll(decoder, PixelBuffer.Allocate);
            Assert.Equal(geometry, decoded.Geometry);
        }
        using (var png = ImageEncoder.Begin(ImageFormat.Png, geometry.Width, geometry.Height, geometry.Channels, compression: 9))
        {
            png.WriteRows(flat.Span, geometry.RowBytes, geometry.Height);
            using var decoder = ImageDecoder.Open(png.Finish().ToArray(), ImageFile.DefaultMaxPixels);
            using var decoded = ImageFile.DecodeAll(decoder, PixelBuffer.Allocate);
            Assert.True(decoded.Span.IndexOfAnyExcept((byte)128) < 0);
        }
    }

    [Fact]
    public void Open_JpegOverPixelLimit_IsRefused()
    {
        var geometry = new ImageGeometry(100, 100, 3);
        string path = Path.Combine(_directory, "limit.jpg");
        ImageFile.Save(path, new byte[geometry.ByteLength], geometry);

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Open(path, maxPixels: 9_999));

        Assert.Equal(NativeStatus.TooLarge, error.Status);
    }
}
