using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;

namespace ProcessFarm.Benchmarks;

/// <summary>
/// The curve over pixel layouts, one thread, in place over the same 130.5 M bytes as <see cref="LutBenchmarks"/>:
/// every byte (the old path), RGB, RGBA with alpha left alone (one blend per vector), and 16-bit RGB and RGBA
/// through the scalar 65,536-entry table.
/// Run: dotnet run -c Release --project tests/ProcessFarm.Benchmarks -- --filter '*LayoutBenchmarks*'
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public unsafe class LayoutBenchmarks
{
    private byte* _pixels;
    private LookupTable _lut = null!;

    public static IEnumerable<string> Layouts => ["bytes", "rgb8", "rgba8", "rgb16", "rgba16"];

    [ParamsSource(nameof(Layouts))]
    public string Layout { get; set; } = "bytes";

    [GlobalSetup]
    public void Setup()
    {
        _pixels = (byte*)NativeMemory.AlignedAlloc((nuint)LutBenchmarks.BufferBytes, 64);
        new Random(42).NextBytes(new Span<byte>(_pixels, (int)LutBenchmarks.BufferBytes));
        _lut = LookupTable.Create(new LutParameters(0.5, 1.2));
        _ = _lut.Table16; // built before timing
    }

    [GlobalCleanup]
    public void Cleanup() => NativeMemory.AlignedFree(_pixels);

    [Benchmark(Description = "curve in place")]
    public void InPlace()
    {
        var layout = Layout switch
        {
            "rgb8" => new PixelLayout(3),
            "rgba8" => new PixelLayout(4),
            "rgb16" => new PixelLayout(3, 16),
            "rgba16" => new PixelLayout(4, 16),
            _ => PixelLayout.Bytes,
        };
        long bytes = LutBenchmarks.BufferBytes / layout.BytesPerPixel * layout.BytesPerPixel;
        _lut.ApplyInPlace(new Span<byte>(_pixels, (int)bytes), layout);
    }
}
