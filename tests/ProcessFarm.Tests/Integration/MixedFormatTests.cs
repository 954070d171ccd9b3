using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// A folder of mixed real-world formats (<see cref="PhotoFolder"/>) through the real CLI in every mode and both
/// batch strategies (whole files on threads or workers; each file streamed through the mode's tiles): every run
/// writes the same bytes, and orientation, profile, alpha, grey, bit depth and palette survive.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class MixedFormatTests : IDisposable
{
    private static readonly LutParameters s_parameters = new(0.4, 1.3);
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public MixedFormatTests()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "in"));
        PhotoFolder.Write(Path.Combine(_directory, "in"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Folder_EveryModeAndStrategy_WritesTheSameBytes_AndKeepsWhatThePhotoHad()
    {
        // Act: serial whole files is the reference; every other run must match it byte for byte.
        var runs = new List<string>();
        foreach (string strategy in new[] { "files", "strips" })
        {
            foreach (string mode in new[] { "serial", "threads", "pipe", "shm" })
            {
                string output = $"out-{mode}-{strategy}";
                var result = await Cli.RunAsync(_directory, "process", "in", "-o", output, "-m", mode, "-w", "2", "--batch-strategy", strategy,
                    "--ev", "0.4", "--gamma", "1.3", "--tile-rows", "7");
                Assert.True(result.ExitCode == 0, $"{mode} {strategy}: {result.Stderr}");
                runs.Add(output);
            }
        }

        // Assert: identical bytes everywhere.
        string reference = Path.Combine(_directory, runs[0]);
        foreach (string name in PhotoFolder.Names)
        {
            byte[] expected = File.ReadAllBytes(Path.Combine(reference, name));
            foreach (string run in runs.Skip(1))
            {
                Assert.True(expected.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(_directory, run, name))), $"{run}/{name} differs from {runs[0]}/{name}");
            }
        }
        AssertPreserved(reference);
    }

    private void AssertPreserved(string output)
    {
        string Input(string name) => Path.Combine(_directory, "in", name);
        string Output(string name) => Path.Combine(output, name);
        var lut = LookupTable.Create(s_parameters);

        // The phone photo: EXIF orientation and the ICC profile, read back by ImageSharp (not by our decoder).
        var phone = Image.Identify(File.ReadAllBytes(Output("phone.jpg")));
        Assert.Equal((ushort)6, phone.Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value);
        Assert.Equal("Test Phone", phone.Metadata.ExifProfile?.GetValue(ExifTag.Model)?.Value);
        Assert.Equal(PhotoFolder.IccProfileBytes, phone.Metadata.IccProfile?.ToByteArray());
        Assert.Equal((PhotoFolder.Width, PhotoFolder.Height), (phone.Width, phone.Height)); // pixels not rotated: viewers turn them

        // RGBA: alpha exactly as it was, colour through the curve.
        var (rgbaIn, rgbaInGeometry) = Decode(Input("rgba.png"));
        var (rgbaOut, rgbaOutGeometry) = Decode(Output("rgba.png"));
        Assert.Equal(new ImageGeometry(PhotoFolder.Width, PhotoFolder.Height, 4), rgbaOutGeometry);
        Assert.Equal(Every(rgbaIn, 4, 3), Every(rgbaOut, 4, 3));
        Assert.Contains(Every(rgbaIn, 4, 3), alpha => alpha is > 0 and < 255);
        Assert.Equal(lut.Table[rgbaIn[0]], rgbaOut[0]);

        // Grey + alpha stays two channels.
        var (greyAlphaIn, _) = Decode(Input("grey-alpha.png"));
        var (greyAlphaOut, greyAlphaGeometry) = Decode(Output("grey-alpha.png"));
        Assert.Equal(2, greyAlphaGeometry.Channels);
        Assert.Equal(Every(greyAlphaIn, 2, 1), Every(greyAlphaOut, 2, 1));

        // 16-bit stays 16-bit, with the 65,536-level table.
        var (deepIn, _) = Decode(Input("deep.png"));
        var (deepOut, deepGeometry) = Decode(Output("deep.png"));
        Assert.Equal(new ImageGeometry(PhotoFolder.Width, PhotoFolder.Height, 3, 16), deepGeometry);
        for (int i = 0; i < deepIn.Length; i += 2 * 101)
        {
            int sample = deepIn[i] | (deepIn[i + 1] << 8);
            Assert.Equal(lut.Table16[sample], deepOut[i] | (deepOut[i + 1] << 8));
        }

        // The palette PNG stays a 4-bit palette PNG: the same indices, the palette through the curve, its alpha kept.
        using (var before = ImageDecoder.Open(Input("palette.png"), long.MaxValue))
        using (var after = ImageDecoder.Open(Output("palette.png"), long.MaxValue))
        {
            Assert.True(after.Info.PaletteEntries > 0, "the output is not a palette PNG");
            var (rgbBefore, alphaBefore, _) = before.ReadPalette();
            var (rgbAfter, alphaAfter, depthAfter) = after.ReadPalette();
            Assert.Equal(4, depthAfter);
            Assert.Equal(rgbBefore.Select(v => lut.Table[v]), rgbAfter);
            Assert.Equal(alphaBefore, alphaAfter);
            Assert.Equal(Indices(before), Indices(after));
        }
        Assert.True(new FileInfo(Output("palette.png")).Length < 2 * new FileInfo(Input("palette.png")).Length);

        // The other formats: same size, written in their own format; the GIF's first frame.
        foreach (string name in new[] { "anim.gif", "photo.webp", "photo.tiff", "photo.bmp", "photo.tga", "grey.pgm", "cmyk.jpg", "ycck.jpg" })
        {
            var info = Image.Identify(File.ReadAllBytes(Output(name)), out var format);
            Assert.True(info is not null, $"{name} was not written as an image");
            Assert.Equal((PhotoFolder.Width, PhotoFolder.Height), (info.Width, info.Height));
            Assert.Equal(Path.GetExtension(name) switch { ".jpg" => "JPEG", ".webp" => "WEBP", ".pgm" => "PBM", var e => e[1..].ToUpperInvariant() }, format.Name.ToUpperInvariant());
        }
        var (webp, webpGeometry) = Decode(Output("photo.webp"));
        Assert.Equal(4, webpGeometry.Channels); // its alpha kept
        Assert.Contains(Every(webp, 4, 3), alpha => alpha < 255);
        var (_, greyGeometry) = Decode(Output("grey.pgm"));
        Assert.Equal(1, greyGeometry.Channels);
        Assert.True(ImageFormats.IsFourComponentJpeg(File.ReadAllBytes(Input("cmyk.jpg"))), "the CMYK input is not a four-component JPEG");
        Assert.True(ImageFormats.IsFourComponentJpeg(File.ReadAllBytes(Input("ycck.jpg"))), "the YCCK input is not a four-component JPEG");
        var (cmyk, cmykGeometry) = Decode(Input("cmyk.jpg"));
        var (ycck, _) = Decode(Input("ycck.jpg"));
        Assert.Equal(3, cmykGeometry.Channels);
        Assert.True(cmyk.Zip(ycck).All(pair => Math.Abs(pair.First - pair.Second) <= 24), "CMYK and YCCK of the same picture decode differently");
    }

    /// <summary>Decoded pixels and their geometry, through the codec seam (palettes expanded).</summary>
    private static (byte[] Pixels, ImageGeometry Geometry) Decode(string path)
    {
        using var pixels = ImageFile.Load(path);
        return (pixels.Span.ToArray(), pixels.Geometry);
    }

    /// <summary>A palette image's indices, one byte each, as the native decoder gives them.</summary>
    private static byte[] Indices(ImageDecoder decoder)
    {
        byte[] indices = new byte[decoder.Info.RowBytes * decoder.Info.Height];
        decoder.ReadRows(indices, decoder.Info.RowBytes, decoder.Info.Height);
        return indices;
    }

    /// <summary>Every <paramref name="stride"/>-th byte from <paramref name="offset"/>: one channel of interleaved pixels.</summary>
    private static byte[] Every(byte[] pixels, int stride, int offset) => [.. pixels.Where((_, i) => i % stride == offset)];
}
