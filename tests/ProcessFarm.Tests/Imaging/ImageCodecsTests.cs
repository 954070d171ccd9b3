using System.Text;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Imaging.Internal;
using ProcessFarm.Shared.Native;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.Metadata.Profiles.Xmp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace ProcessFarm.Tests.Imaging;

/// <summary>The codec seam: who reads what, metadata across formats, the bounded allocator.</summary>
public sealed class ImageCodecsTests : IDisposable
{
    private static readonly byte[] s_xmp = Encoding.UTF8.GetBytes("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/></x:xmpmeta>");
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("phone.jpg", CodecChoice.Auto, "libjpeg-turbo")]
    [InlineData("phone.jpg", CodecChoice.ImageSharp, "ImageSharp")]
    [InlineData("rgba.png", CodecChoice.Auto, "libpng")]
    [InlineData("rgba.png", CodecChoice.ImageSharp, "ImageSharp")]
    [InlineData("cmyk.jpg", CodecChoice.Auto, "ImageSharp")]
    [InlineData("anim.gif", CodecChoice.Native, "ImageSharp")]
    [InlineData("photo.tga", CodecChoice.Auto, "ImageSharp")]
    public void OpenReader_ChoosesByContent_NotByName(string file, CodecChoice codec, string library)
    {
        using var reader = ImageCodecs.OpenReader(PhotoFolder.Build(file), codec, ImageFile.DefaultMaxPixels);

        Assert.Equal(library, reader.Header.Codec);
        Assert.Equal((PhotoFolder.Width, PhotoFolder.Height), (reader.Header.Geometry.Width, reader.Header.Geometry.Height));
    }

    [Fact]
    public void OpenReader_NativeForced_RefusesCmyk_OneMessage()
    {
        var error = Assert.Throws<InvalidImageException>(() => ImageCodecs.OpenReader(PhotoFolder.Build("cmyk.jpg"), CodecChoice.Native, ImageFile.DefaultMaxPixels));
        Assert.Contains("CMYK", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("phone.jpg", "end-of-image marker")]
    [InlineData("rgba.png", "IEND")]
    public void OpenReader_ImageSharp_RefusesWhatItWouldFillIn(string file, string problem)
    {
        byte[] whole = PhotoFolder.Build(file);

        var error = Assert.Throws<InvalidImageException>(() => ImageCodecs.OpenReader(whole[..(whole.Length * 9 / 10)], CodecChoice.ImageSharp, ImageFile.DefaultMaxPixels));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[0], "the file is empty")]
    [InlineData(new byte[] { (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o', (byte)'\n' }, "not an image this program reads")]
    public void OpenReader_NotAnImage_SaysSo(byte[] data, string message)
    {
        var error = Assert.Throws<InvalidImageException>(() => ImageCodecs.OpenReader(data, CodecChoice.Auto, ImageFile.DefaultMaxPixels));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transform_JpegToPngToJpeg_CarriesExifIccAndXmp()
    {
        // Arrange: a JPEG written by ImageSharp with EXIF (orientation 6), an ICC profile and XMP.
        string jpeg = Path.Combine(_directory, "in.jpg"), png = Path.Combine(_directory, "mid.png"), back = Path.Combine(_directory, "out.jpg");
        using (var photo = PhotoFolder.Photo<Rgb24>(withOrientation: true))
        {
            photo.Metadata.XmpProfile = new XmpProfile(s_xmp);
            photo.Save(jpeg, new JpegEncoder { Quality = 90 });
        }
        var lut = LookupTable.Create(new LutParameters(0.2, 1.1));

        // Act: across formats and back, through the native codecs.
        ImageFile.Transform(jpeg, png, lut, new TransformOptions());
        ImageFile.Transform(png, back, lut, new TransformOptions());

        // Assert: the PNG holds them as eXIf, iCCP and the XMP iTXt; the JPEG again as APP1/APP2, read by ImageSharp.
        using (var reader = ImageFile.OpenInput(png, ImageFile.DefaultMaxPixels))
        {
            var metadata = reader.Header.Metadata;
            Assert.Equal(6, metadata.Orientation);
            Assert.Equal(PhotoFolder.IccProfileBytes, metadata.Icc);
            Assert.Equal(s_xmp, metadata.Xmp);
            Assert.Equal(FileFormat.Png, metadata.SourceFormat);
        }
        var info = Image.Identify(File.ReadAllBytes(back));
        Assert.Equal((ushort)6, info.Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value);
        Assert.Equal(PhotoFolder.IccProfileBytes, info.Metadata.IccProfile?.ToByteArray());
        Assert.Equal(s_xmp, info.Metadata.XmpProfile?.ToByteArray());
    }

    [Fact]
    public void Transform_JpegToWebp_KeepsExifAndStaysLossy_PngToWebpIsLossless()
    {
        string jpeg = Path.Combine(_directory, "in.jpg"), png = Path.Combine(_directory, "in.png");
        File.WriteAllBytes(jpeg, PhotoFolder.Build("phone.jpg"));
        File.WriteAllBytes(png, PhotoFolder.Build("rgba.png"));
        var lut = LookupTable.Create(LutParameters.Identity);

        ImageFile.Transform(jpeg, Path.Combine(_directory, "from-jpeg.webp"), lut, new TransformOptions(Quality: 80));
        ImageFile.Transform(png, Path.Combine(_directory, "from-png.webp"), lut, new TransformOptions());

        var lossy = Image.Identify(File.ReadAllBytes(Path.Combine(_directory, "from-jpeg.webp")));
        Assert.Equal(WebpFileFormatType.Lossy, lossy.Metadata.GetWebpMetadata().FileFormat);
        Assert.Equal((ushort)6, lossy.Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value);
        var lossless = Image.Identify(File.ReadAllBytes(Path.Combine(_directory, "from-png.webp")));
        Assert.Equal(WebpFileFormatType.Lossless, lossless.Metadata.GetWebpMetadata().FileFormat);
        using var original = ImageFile.Load(png);
        using var roundTrip = ImageFile.Load(Path.Combine(_directory, "from-png.webp"));
        Assert.True(original.Span.SequenceEqual(roundTrip.Span), "lossless WebP changed the pixels");
    }

    [Theory]
    [InlineData("rgba.png")]
    [InlineData("grey-alpha.png")]
    [InlineData("deep.png")]
    public void CodecImageSharp_ReadsAndWritesPng_LikeLibpng(string file)
    {
        string input = Path.Combine(_directory, file);
        File.WriteAllBytes(input, PhotoFolder.Build(file));
        var lut = LookupTable.Create(new LutParameters(0.3, 1.5));

        ImageFile.Transform(input, Path.Combine(_directory, "native.png"), lut, new TransformOptions());
        ImageFile.Transform(input, Path.Combine(_directory, "managed.png"), lut, new TransformOptions(Codec: CodecChoice.ImageSharp));

        using var native = ImageFile.Load(Path.Combine(_directory, "native.png"));
        using var managed = ImageFile.Load(Path.Combine(_directory, "managed.png"));
        Assert.Equal(native.Geometry, managed.Geometry);
        Assert.True(native.Span.SequenceEqual(managed.Span), "the two codecs decoded or wrote different pixels");
    }

    [Fact]
    public void BoundedAllocator_RefusesPastItsBudget_AndFreesOnDispose()
    {
        var allocator = new BoundedAllocator(1 << 20);

        var first = allocator.Allocate<byte>(700_000);
        Assert.Throws<InvalidMemoryOperationException>(() => allocator.Allocate<byte>(400_000));
        first.Dispose();
        using var second = allocator.Allocate<Rgba32>(200_000); // 800 KB fits once the first is gone
        Assert.True(second.Memory.Span.ToArray().All(p => p.PackedValue == 0), "buffers are zeroed");
    }

    [Fact]
    public void OutputLayout_SaysWhatEachFormatKeeps()
    {
        var rgba16 = new PixelLayout(4, 16);
        Assert.Equal(rgba16, ImageCodecs.OutputLayout("x.png", rgba16));
        Assert.Equal(new PixelLayout(3), ImageCodecs.OutputLayout("x.jpg", rgba16));
        Assert.Equal(new PixelLayout(4), ImageCodecs.OutputLayout("x.webp", rgba16));
        Assert.Equal(new PixelLayout(1, 16), ImageCodecs.OutputLayout("x.pgm", rgba16));
        Assert.Equal(new PixelLayout(1), ImageCodecs.OutputLayout("x.jpg", new PixelLayout(2)));
    }
}
