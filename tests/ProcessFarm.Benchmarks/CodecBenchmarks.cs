using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using MessagePack;
using ProcessFarm.Shared.MessagePack;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Benchmarks;

/// <summary>
/// The codec under the wire protocol, without sockets: writing and reading a tile's Job frame, a shm descriptor's
/// frame, 65,536 complex numbers as [float64, float64] items (in bulk and token by token), and the worker's echo
/// transcoding of them, with and without the hand-kept bulk path for pairs. Changes to the codec are decided on
/// these numbers (docs/RESULTS.md).
/// Run: dotnet run -c Release --project tests/ProcessFarm.Benchmarks -- --filter '*Codec*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class CodecBenchmarks
{
    private const int Items = 1 << 16;
    private readonly ArrayBufferWriter<byte> _output = new(4 << 20);
    private readonly ArrayBufferWriter<byte> _transcoded = new(4 << 20);
    private readonly double[] _values = new double[2 * Items];
    private readonly double[] _back = new double[2 * Items];
    private readonly byte[] _tile = new byte[64 << 10];
    private readonly LutTileParameters _lut = new(0.5, 1.2, new TileShape(8192, 2, 4));
    private readonly LutRegionParameters _descriptor = new(0.5, 1.2, new TileShape(8192, 2, 4), 1 << 20, 1 << 24);
    private ReadOnlySequence<byte> _tileFrame;
    private ReadOnlySequence<byte> _descriptorFrame;
    private ReadOnlySequence<byte> _items;

    [GlobalSetup]
    public void Setup()
    {
        new Random(3).NextBytes(_tile);
        var complex = MemoryMarshal.Cast<double, Complex>(_values.AsSpan());
        for (int i = 0; i < Items; i++)
        {
            complex[i] = new Complex(i * 0.5, -i * 0.25);
        }
        _tileFrame = Written(frames => frames.WriteJob(7, _lut, _tile));
        _descriptorFrame = Written(frames => frames.WriteJob(8, _descriptor));
        _output.ResetWrittenCount();
        var writer = new MessagePackWriter(_output);
        WriteItemsInBulk(ref writer);
        writer.Flush();
        _items = new ReadOnlySequence<byte>(_output.WrittenMemory.ToArray());
    }

    [Benchmark(Description = "Job frame with a 64 KiB tile: write")]
    public int WriteTileFrame()
    {
        _output.ResetWrittenCount();
        new FrameWriter(_output).WriteJob(7, _lut, _tile);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "Job frame with a 64 KiB tile: find and parse")]
    public long ReadTileFrame()
    {
        var buffer = _tileFrame;
        FrameReader.TryReadFrame(ref buffer, out var body);
        return FrameReader.ReadJob(body).Payload.Length;
    }

    [Benchmark(Description = "shm descriptor frame: write and parse")]
    public long DescriptorRoundTrip()
    {
        _output.ResetWrittenCount();
        new FrameWriter(_output).WriteJob(8, _descriptor);
        var buffer = new ReadOnlySequence<byte>(_output.WrittenMemory);
        FrameReader.TryReadFrame(ref buffer, out var body);
        return ((LutRegionParameters)FrameReader.ReadJob(body).Parameters).Offset;
    }

    [Benchmark(Description = "shm descriptor frame: parse")]
    public long ReadDescriptorFrame()
    {
        var buffer = _descriptorFrame;
        FrameReader.TryReadFrame(ref buffer, out var body);
        return ((LutRegionParameters)FrameReader.ReadJob(body).Parameters).Offset;
    }

    [Benchmark(Description = "65,536 [float64, float64]: write in bulk")]
    public int WritePairsBulk()
    {
        _output.ResetWrittenCount();
        var writer = new MessagePackWriter(_output);
        WriteItemsInBulk(ref writer);
        writer.Flush();
        return _output.WrittenCount;
    }

    [Benchmark(Description = "65,536 [float64, float64]: write token by token")]
    public int WritePairsTokens()
    {
        _output.ResetWrittenCount();
        var writer = new MessagePackWriter(_output);
        writer.WriteArrayHeader(Items);
        for (int i = 0; i < Items; i++)
        {
            writer.WriteArrayHeader(2);
            writer.Write(_values[2 * i]);
            writer.Write(_values[(2 * i) + 1]);
        }
        writer.Flush();
        return _output.WrittenCount;
    }

    [Benchmark(Description = "65,536 [float64, float64]: read in bulk")]
    public double ReadPairsBulk()
    {
        var reader = new MessagePackReader(_items);
        int count = reader.ReadArrayHeader();
        for (int i = 0; i < count;)
        {
            i += Float64Pairs.Read(ref reader, _back.AsSpan(2 * i, 2 * Math.Min(Float64Pairs.MaxPerCall, count - i)));
        }
        return _back[^1];
    }

    [Benchmark(Description = "65,536 [float64, float64]: read token by token")]
    public double ReadPairsTokens()
    {
        var reader = new MessagePackReader(_items);
        int count = reader.ReadArrayHeader();
        for (int i = 0; i < count; i++)
        {
            reader.ReadArrayHeader();
            _back[2 * i] = reader.ReadDouble();
            _back[(2 * i) + 1] = reader.ReadDouble();
        }
        return _back[^1];
    }

    [Benchmark(Description = "65,536 [float64, float64]: the worker's echo transcoding")]
    public int Transcode() => TranscodeItems(bulk: true);

    [Benchmark(Description = "65,536 [float64, float64]: echo transcoding, library tokens only")]
    public int TranscodeTokens() => TranscodeItems(bulk: false);

    private int TranscodeItems(bool bulk)
    {
        _transcoded.ResetWrittenCount();
        var reader = new MessagePackReader(_items);
        var writer = new MessagePackWriter(_transcoded);
        MessagePackTranscoder.Transcode(ref reader, ref writer, ProtocolLimits.MaxDepth, bulk);
        writer.Flush();
        return _transcoded.WrittenCount;
    }

    private void WriteItemsInBulk(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(Items);
        Float64Pairs.Write(ref writer, _values);
    }

    private ReadOnlySequence<byte> Written(Action<FrameWriter> write)
    {
        _output.ResetWrittenCount();
        write(new FrameWriter(_output));
        return new ReadOnlySequence<byte>(_output.WrittenMemory.ToArray());
    }
}
