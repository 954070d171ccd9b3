using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;

namespace ProcessFarm.Benchmarks;

/// <summary>
/// One thread over the article's 130.5 M-byte buffer: memcpy as the memory-speed yardstick, then every LUT kernel
/// this CPU supports, out of place (like memcpy) and in place (what the modes do).
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public unsafe class LutBenchmarks
{
    public const long BufferBytes = 130_500_000;

    private byte* _source;
    private byte* _destination;
    private LookupTable _lut = null!;

    public static IEnumerable<LutKernel> Kernels =>
        new[] { LutKernel.Scalar, LutKernel.Avx2, LutKernel.Avx512Bw, LutKernel.Avx512Vbmi }.Where(LookupTable.IsSupported);

    [ParamsSource(nameof(Kernels))]
    public LutKernel Kernel { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _source = (byte*)NativeMemory.AlignedAlloc((nuint)BufferBytes, 64);
        _destination = (byte*)NativeMemory.AlignedAlloc((nuint)BufferBytes, 64);
        new Random(42).NextBytes(new Span<byte>(_source, (int)BufferBytes));
        new Span<byte>(_destination, (int)BufferBytes).Clear(); // fault the pages in before timing
        _lut = LookupTable.Create(new LutParameters(0.5, 1.2));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_source);
        NativeMemory.AlignedFree(_destination);
    }

    [Benchmark(Baseline = true, Description = "memcpy")]
    public void Memcpy() => Buffer.MemoryCopy(_source, _destination, BufferBytes, BufferBytes);

    [Benchmark(Description = "LUT out of place")]
    public void LutOutOfPlace() => _lut.Apply(new ReadOnlySpan<byte>(_source, (int)BufferBytes), new Span<byte>(_destination, (int)BufferBytes), Kernel);

    [Benchmark(Description = "LUT in place")]
    public void LutInPlace() => _lut.ApplyInPlace(new Span<byte>(_destination, (int)BufferBytes), Kernel);
}
