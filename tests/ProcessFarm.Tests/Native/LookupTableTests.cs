using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;
using Xunit;

namespace ProcessFarm.Tests.Native;

public partial class LookupTableTests
{
    public static TheoryData<double, double> Parameters => new()
    {
        { 0, 1 }, { 0.5, 1.2 }, { -1, 2.2 }, { 1, 0.1 }, { 2, 0.5 }, { -8, 1 }, { 8, 3 }, { 30, 0.01 }, { -30, 100 }, { 0.25, 1e-3 },
    };

    public static TheoryData<LutKernel> SimdKernels => new() { LutKernel.Avx2, LutKernel.Avx512Bw, LutKernel.Avx512Vbmi };

    [Theory]
    [MemberData(nameof(Parameters))]
    public void Create_MatchesTheSpecifiedFormula(double ev, double gamma)
    {
        var lut = LookupTable.Create(new LutParameters(ev, gamma));

        for (int x = 0; x < 256; x++)
        {
            // The arithmetic pf_lut_build documents: double throughout, clamp, then truncate.
            double y = 255.0 * Math.Pow(x / 255.0 * Math.Pow(2, ev), 1.0 / gamma);
            byte expected = (byte)Math.Clamp(y, 0, 255);
            Assert.True(expected == lut.Table[x], $"x={x} ev={ev} gamma={gamma}: expected {expected}, got {lut.Table[x]}");
        }
    }

    [Fact]
    public void Create_IsMonotonic_AndBrightensWithExposure()
    {
        var brighter = LookupTable.Create(new LutParameters(1, 1));
        var neutral = LookupTable.Create(new LutParameters(0, 1));
        for (int x = 1; x < 256; x++)
        {
            Assert.True(brighter.Table[x] >= brighter.Table[x - 1]);
            Assert.True(brighter.Table[x] >= neutral.Table[x]);
        }
        Assert.Equal(255, brighter.Table[200]);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, -1)]
    [InlineData(double.NaN, 1)]
    [InlineData(0, double.PositiveInfinity)]
    public void Create_InvalidParameters_Throws(double ev, double gamma) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LookupTable.Create(new LutParameters(ev, gamma)));

    [SkippableTheory]
    [MemberData(nameof(SimdKernels))]
    public void Apply_UnsupportedKernel_IsRefused_NotAFault(LutKernel kernel)
    {
        Skip.If(LookupTable.IsSupported(kernel), $"this CPU has {kernel}: nothing to refuse");
        var lut = LookupTable.Create(LutParameters.Identity);

        Assert.Throws<PlatformNotSupportedException>(() => lut.Apply(new byte[64], new byte[64], kernel));
        Assert.NotEqual(kernel, LookupTable.BestKernel);
    }

    [SkippableTheory]
    [MemberData(nameof(SimdKernels))]
    public void Apply_EverySupportedKernel_EqualsScalar_ForAllInputsAndParameters(LutKernel kernel)
    {
        Skip.IfNot(LookupTable.IsSupported(kernel), $"this CPU lacks {kernel}: it is tested where it runs");

        // Every byte value, repeated in a pattern longer than any vector so each lane sees each value.
        byte[] input = new byte[256 * 9 + 13];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (byte)((i * 7) + (i / 256));
        }
        foreach (var row in Parameters)
        {
            var lut = LookupTable.Create(new LutParameters((double)row[0], (double)row[1]));
            byte[] expected = new byte[input.Length];
            byte[] actual = new byte[input.Length];
            lut.Apply(input, expected, LutKernel.Scalar);
            lut.Apply(input, actual, kernel);
            Assert.Equal(expected, actual);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(SimdKernels))]
    public void Apply_EverySupportedKernel_EqualsScalar_ForLengthsAndUnalignedStarts(LutKernel kernel)
    {
        Skip.IfNot(LookupTable.IsSupported(kernel), $"this CPU lacks {kernel}: it is tested where it runs");
        var lut = LookupTable.Create(new LutParameters(0.7, 1.9));
        var random = new Random(1234);
        byte[] source = new byte[1000 + 64];
        random.NextBytes(source);
        for (int length = 0; length <= 1000; length++)
        {
            int start = length % 61; // walks every misalignment against 64-byte vectors
            var input = source.AsSpan(start, length);
            byte[] expected = new byte[length + 2];
            byte[] actual = new byte[length + 2];
            expected[^1] = actual[^1] = 0xA5; // a guard byte past the end must survive
            lut.Apply(input, expected.AsSpan(1, length), LutKernel.Scalar);
            lut.Apply(input, actual.AsSpan(1, length), kernel);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"kernel {kernel}, length {length}, start {start}");
        }
    }

    [Fact]
    public void ApplyInPlace_EqualsOutOfPlace_ForEveryKernel()
    {
        var lut = LookupTable.Create(new LutParameters(-0.5, 0.8));
        byte[] original = new byte[4099];
        new Random(7).NextBytes(original);
        byte[] expected = new byte[original.Length];
        lut.Apply(original, expected, LutKernel.Scalar);

        foreach (var kernel in Enum.GetValues<LutKernel>().Where(LookupTable.IsSupported))
        {
            byte[] buffer = (byte[])original.Clone();
            lut.ApplyInPlace(buffer, kernel);
            Assert.Equal(expected, buffer);
        }
    }

    [Fact]
    public void BestKernel_IsSupported() => Assert.True(LookupTable.IsSupported(LookupTable.BestKernel));
}
