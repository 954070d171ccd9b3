using System.Runtime.InteropServices;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;
using Xunit;

namespace ProcessFarm.Tests.Native;

/// <summary>The curve over pixel layouts: alpha left as it is, and the 16-bit table.</summary>
public partial class LookupTableTests
{
    public static TheoryData<LutKernel, int> KernelsAndChannels()
    {
        var data = new TheoryData<LutKernel, int>();
        foreach (var kernel in new[] { LutKernel.Scalar, LutKernel.Avx2, LutKernel.Avx512Bw, LutKernel.Avx512Vbmi })
        {
            foreach (int channels in new[] { 1, 2, 3, 4 })
            {
                data.Add(kernel, channels);
            }
        }
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(KernelsAndChannels))]
    public void ApplyPixels_AlphaUntouched_ColourThroughTheTable_EveryKernelAndLength(LutKernel kernel, int channels)
    {
        Skip.IfNot(LookupTable.IsSupported(kernel), $"this CPU lacks {kernel}: it is tested where it runs");
        var lut = LookupTable.Create(new LutParameters(0.8, 1.6));
        var layout = new PixelLayout(channels);
        byte[] source = new byte[channels * 301];
        new Random(channels).NextBytes(source);
        for (int pixels = 0; pixels <= 301; pixels += pixels < 40 ? 1 : 29)
        {
            var input = source.AsSpan(0, pixels * channels);
            byte[] actual = new byte[input.Length + 1];
            actual[^1] = 0x5A; // a guard byte past the end must survive

            lut.Apply(input, actual.AsSpan(0, input.Length), layout, kernel);

            for (int i = 0; i < input.Length; i++)
            {
                bool alpha = layout.HasAlpha && i % channels == channels - 1;
                byte expected = alpha ? input[i] : lut.Table[input[i]];
                Assert.True(expected == actual[i], $"{kernel}, {channels} channels, {pixels} pixels, byte {i}: expected {expected}, got {actual[i]}");
            }
            Assert.Equal(0x5A, actual[^1]);
        }
    }

    [Fact]
    public void ApplyPixels_InPlace_EqualsOutOfPlace()
    {
        var lut = LookupTable.Create(new LutParameters(1.1, 0.7));
        foreach (var layout in new[] { new PixelLayout(4), new PixelLayout(2), new PixelLayout(4, 16), new PixelLayout(3, 16) })
        {
            byte[] original = new byte[layout.BytesPerPixel * 257];
            new Random(layout.Channels).NextBytes(original);
            byte[] expected = new byte[original.Length];
            lut.Apply(original, expected, layout);
            byte[] buffer = (byte[])original.Clone();

            lut.ApplyInPlace(buffer, layout);

            Assert.Equal(expected, buffer);
        }
    }

    [Theory]
    [MemberData(nameof(Parameters))]
    public void Table16_MatchesTheFormulaOver65536Levels(double ev, double gamma)
    {
        var lut = LookupTable.Create(new LutParameters(ev, gamma));
        var table = lut.Table16;
        Assert.Equal(65536, table.Length);
        for (int x = 0; x < 65536; x += x < 512 ? 1 : 37)
        {
            double y = 65535.0 * Math.Pow(x / 65535.0 * Math.Pow(2, ev), 1.0 / gamma);
            ushort expected = (ushort)Math.Clamp(y, 0, 65535);
            Assert.True(expected == table[x], $"x={x} ev={ev} gamma={gamma}: expected {expected}, got {table[x]}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Apply16_LittleEndianSamples_AlphaUntouched(int channels)
    {
        var lut = LookupTable.Create(new LutParameters(0.5, 2.2));
        ushort[] samples = new ushort[channels * 1000];
        var random = new Random(3);
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = (ushort)random.Next(65536);
        }
        byte[] source = MemoryMarshal.AsBytes(samples.AsSpan()).ToArray();
        byte[] result = new byte[source.Length];

        lut.Apply(source, result, new PixelLayout(channels, 16));

        var output = MemoryMarshal.Cast<byte, ushort>(result);
        for (int i = 0; i < samples.Length; i++)
        {
            bool alpha = channels is 2 or 4 && i % channels == channels - 1;
            Assert.Equal(alpha ? samples[i] : lut.Table16[samples[i]], output[i]);
        }
    }

    [Fact]
    public void ApplyPixels_PartialPixel_IsRefused()
    {
        var lut = LookupTable.Create(LutParameters.Identity);
        Assert.Throws<ArgumentException>(() => lut.Apply(new byte[7], new byte[7], new PixelLayout(4)));
        Assert.Throws<ArgumentException>(() => lut.Apply(new byte[3], new byte[3], new PixelLayout(1, 16)));
    }
}
