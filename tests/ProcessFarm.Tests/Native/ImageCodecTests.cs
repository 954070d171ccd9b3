using System.Runtime.CompilerServices;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;
using Xunit;

namespace ProcessFarm.Tests.Native;

public sealed partial class ImageCodecTests : IDisposable
{
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void Png_RoundTrip_IsExact(int channels)
    {
        var geometry = new ImageGeometry(37, 23, channels);
        byte[] pixels = RandomPixels(geometry, seed: channels);
        string path = Path.Combine(_directory, "round.png");

        ImageFile.Save(path, pixels, geometry);
        using var decoded = ImageFile.Load(path);

        Assert.Equal(geometry, decoded.Geometry);
        Assert.Equal(pixels, decoded.Span.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Jpeg_RoundTrip_IsClose(int channels)
    {
        var geometry = new ImageGeometry(160, 96, channels);
        using var sample = PixelBuffer.Allocate(geometry);
        SampleImage.Generate(sample);
        string path = Path.Combine(_directory, "round.jpg");

        ImageFile.Save(path, sample.Span, geometry, quality: 95);
        using var decoded = ImageFile.Load(path);

        Assert.Equal(geometry, decoded.Geometry);
        double meanError = MeanAbsoluteError(sample.Span, decoded.Span);
        Assert.InRange(meanError, 0.01, 4.0); // lossy, but close; exactly 0 would mean nothing was encoded
    }

    [Theory]
    [InlineData(ImageFormat.Jpeg)]
    [InlineData(ImageFormat.Png)]
    public void Encoder_DisposedHalfWay_AfterItsBufferGrew_FreesCleanly(ImageFormat format)
    {
        // A streamed run that fails stops its encoder mid-image; the output block has been reallocated by then.
        var geometry = new ImageGeometry(1500, 800, 3);
        using var noise = PixelBuffer.Allocate(geometry);
        new Random(7).NextBytes(noise.Span);
        for (int round = 0; round < 3; round++)
        {
            var encoder = ImageEncoder.Begin(format, geometry.Width, geometry.Height, geometry.Channels);
            encoder.WriteRows(noise.Span, geometry.RowBytes, 400);
            encoder.Dispose();
        }
        using var whole = ImageEncoder.Begin(format, geometry.Width, geometry.Height, geometry.Channels);
        whole.WriteRows(noise.Span, geometry.RowBytes, geometry.Height);
        Assert.True(whole.Finish().Length > 1 << 16);
    }

    [Fact]
    public void Jpeg_FromRgba_DropsAlpha()
    {
        var geometry = new ImageGeometry(16, 16, 4);
        byte[] pixels = new byte[geometry.ByteLength];
        pixels.AsSpan().Fill(200);
        string path = Path.Combine(_directory, "alpha.jpg");

        ImageFile.Save(path, pixels, geometry);
        using var decoded = ImageFile.Load(path);

        Assert.Equal(new ImageGeometry(16, 16, 3), decoded.Geometry);
        Assert.All(decoded.Span.ToArray(), b => Assert.InRange(b, 195, 205));
    }

    [Fact]
    public void Decoder_ReadsInRowBands_SameAsWhole()
    {
        var geometry = new ImageGeometry(50, 41, 3);
        byte[] pixels = RandomPixels(geometry, seed: 9);
        string path = Path.Combine(_directory, "bands.png");
        ImageFile.Save(path, pixels, geometry);

        using var decoder = ImageDecoder.Open(path, ImageFile.DefaultMaxPixels);
        byte[] banded = new byte[geometry.ByteLength];
        int row = 0;
        while (row < geometry.Height)
        {
            int read = decoder.ReadRows(banded.AsSpan(row * geometry.RowBytes), geometry.RowBytes, 8);
            Assert.True(read > 0);
            row += read;
        }

        Assert.Equal(pixels, banded);
        Assert.Equal(0, decoder.ReadRows(banded, geometry.RowBytes, 1));
    }

    [Fact]
    public void Decode_ProgressiveJpeg_IsCloseToTheOriginal()
    {
        var geometry = new ImageGeometry(1200, 800, 3);
        using var sample = PixelBuffer.Allocate(geometry);
        SampleImage.Generate(sample);
        using var encoder = ImageEncoder.BeginProgressiveJpeg(geometry.Width, geometry.Height, geometry.Channels, quality: 95);
        encoder.WriteRows(sample.Span, geometry.RowBytes, geometry.Height);

        using var decoder = ImageDecoder.Open(encoder.Finish().ToArray(), ImageFile.DefaultMaxPixels);
        using var decoded = ImageFile.DecodeAll(decoder, PixelBuffer.Allocate);

        Assert.Equal(geometry, decoded.Geometry);
        Assert.InRange(MeanAbsoluteError(sample.Span, decoded.Span), 0.01, 4.0);
    }

    [Fact]
    public void ImageInfo_MatchesTheCStruct() => Assert.Equal(28, Unsafe.SizeOf<ImageInfo>());

    [Fact]
    public void Encoder_RejectsBadArguments() =>
        Assert.Throws<ArgumentException>(() => ImageEncoder.Begin(ImageFormat.Jpeg, 10, 10, 2).Dispose());

    private static byte[] RandomPixels(ImageGeometry geometry, int seed)
    {
        byte[] pixels = new byte[geometry.ByteLength];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }

    private static double MeanAbsoluteError(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        long sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
        }
        return (double)sum / a.Length;
    }
}
