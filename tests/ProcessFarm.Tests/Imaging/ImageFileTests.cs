using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;
using Xunit;

namespace ProcessFarm.Tests.Imaging;

/// <summary>
/// <see cref="ImageFile.Encode"/>, what a worker runs for a <c>file_bytes</c> job: the same bytes as the file path
/// for every codec, and hostile inputs refused as input errors.
/// </summary>
public sealed class ImageFileTests : IDisposable
{
    private static readonly LookupTable s_lut = LookupTable.Create(new LutParameters(0.4, 1.3));
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("phone.jpg", ".jpg")]
    [InlineData("rgba.png", ".png")]
    [InlineData("deep.png", ".PNG")]
    [InlineData("palette.png", ".png")]
    [InlineData("photo.tiff", ".tiff")]
    [InlineData("anim.gif", ".gif")]
    [InlineData("cmyk.jpg", ".jpg")]
    [InlineData("photo.bmp", ".webp")]
    public void Encode_FromMemory_IsByteIdenticalToTransformOfTheFile(string name, string extension)
    {
        // Arrange
        byte[] input = PhotoFolder.Build(name);
        string inputPath = Path.Combine(_directory, name);
        File.WriteAllBytes(inputPath, input);
        string outputPath = Path.Combine(_directory, "out" + extension);
        var options = new TransformOptions(85);

        // Act
        var written = ImageFile.Transform(inputPath, outputPath, s_lut, options);
        using var encoded = ImageFile.Encode(input, extension, s_lut, options);

        // Assert
        Assert.Equal(File.ReadAllBytes(outputPath), encoded.Bytes.ToArray());
        Assert.Equal(written.BytesWritten, encoded.Result.BytesWritten);
        Assert.Equal(written.Geometry, encoded.Result.Geometry);
    }

    [Fact]
    public void Encode_CutShort_IsAnInputError()
    {
        byte[] whole = PhotoFolder.Build("phone.jpg");

        var error = Assert.Throws<InputException>(() => ImageFile.Encode(whole[..(whole.Length / 2)], ".jpg", s_lut, new TransformOptions()));

        Assert.IsType<InvalidImageException>(error.InnerException);
    }

    [Fact]
    public void Encode_TinyFileDeclaringAHugeImage_IsRefusedBeforeAllocating()
    {
        // A 68-byte PNG whose header declares 100,000 x 100,000 pixels (10^10, over the default 5 x 10^8).
        byte[] bomb = Convert.FromHexString(
            "89504e470d0a1a0a0000000d49484452000186a0000186a0080200000027309c9f0000000b4944415478da6360c00700001e000165599e710000000049454e44ae426082");

        var error = Assert.Throws<InputException>(() => ImageFile.Encode(bomb, ".png", s_lut, new TransformOptions()));

        Assert.Contains("pixels", error.Problem, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Encode_AnOutputFormatNobodyWrites_IsRefusedBeforeDecoding()
    {
        Assert.Throws<OutputFormatException>(() => ImageFile.Encode([], ".xyz", s_lut, new TransformOptions()));
    }

    [Fact]
    public void EncodedBytes_AfterDispose_Throw_InsteadOfPointingAtFreedMemory()
    {
        var encoded = ImageFile.Encode(PhotoFolder.Build("phone.jpg"), ".jpg", s_lut, new TransformOptions());
        Assert.True(encoded.Bytes.Length > 0);

        encoded.Dispose();

        Assert.Throws<ObjectDisposedException>(() => encoded.Bytes.Length);
    }
}
