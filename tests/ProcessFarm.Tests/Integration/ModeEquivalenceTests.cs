using Microsoft.Extensions.Logging.Abstractions;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>Every mode, with real worker processes for pipe and shm, produces exactly the serial result.</summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public class ModeEquivalenceTests
{
    private static readonly LutParameters s_parameters = new(0.6, 1.7);

    public static TheoryData<string, int, int> Cases => new()
    {
        { "threads", 1, 3 }, { "threads", 3, 3 }, { "threads", 2, 4 },
        { "pipe", 1, 3 }, { "pipe", 2, 3 }, { "pipe", 3, 4 },
        { "shm", 1, 3 }, { "shm", 2, 3 }, { "shm", 3, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Mode_EqualsSerial_ForSeveralTileSizes(string mode, int workers, int channels)
    {
        var geometry = new ImageGeometry(301, 157, channels);
        byte[] expected = await RunAsync(new InProcessEngine(ExecutionMode.Serial, 1), geometry, geometry.Height);

        await using var engine = Create(ExecutionModes.Parse(mode), workers);
        foreach (int tileRows in new[] { 1, 7, 64, geometry.Height, geometry.Height + 5 })
        {
            byte[] actual = await RunAsync(engine, geometry, tileRows);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{mode} with {workers} workers and {tileRows}-row tiles differs from serial");
        }
    }

    public static TheoryData<string, int, int> Layouts => new()
    {
        { "threads", 2, 8 }, { "threads", 4, 16 }, { "threads", 1, 16 },
        { "pipe", 2, 8 }, { "pipe", 4, 16 }, { "pipe", 2, 16 }, { "pipe", 3, 16 },
        { "shm", 2, 8 }, { "shm", 4, 16 }, { "shm", 1, 16 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task Mode_EqualsSerial_ForAlphaAnd16BitLayouts(string mode, int channels, int bits)
    {
        // 16-bit tiles are width * rows * channels * 2 bytes; a whole-image tile of 1.9 MB reaches the worker in
        // several socket reads, so pixels straddle the segments it works through.
        var geometry = new ImageGeometry(613, 197, channels, bits);
        byte[] expected = await RunRandomAsync(new InProcessEngine(ExecutionMode.Serial, 1), geometry, geometry.Height);

        await using var engine = Create(ExecutionModes.Parse(mode), 2);
        foreach (int tileRows in new[] { 1, 13, geometry.Height })
        {
            byte[] actual = await RunRandomAsync(engine, geometry, tileRows);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{mode}, {geometry}, {tileRows}-row tiles differs from serial");
        }
        if (channels is 2 or 4)
        {
            byte[] source = RandomPixels(geometry);
            int pixelBytes = geometry.PixelBytes, alphaBytes = bits / 8;
            for (int i = 0; i < source.Length; i += pixelBytes)
            {
                Assert.True(source.AsSpan(i + pixelBytes - alphaBytes, alphaBytes).SequenceEqual(expected.AsSpan(i + pixelBytes - alphaBytes, alphaBytes)), $"alpha changed at byte {i}");
            }
        }
    }

    [Fact]
    public async Task Shm_ReusesTheWarmPool_ForANewImage()
    {
        await using var engine = Create(ExecutionMode.Shm, 2);
        foreach (var geometry in new[] { new ImageGeometry(64, 64, 3), new ImageGeometry(500, 300, 4) })
        {
            byte[] expected = await RunAsync(new InProcessEngine(ExecutionMode.Serial, 1), geometry, geometry.Height);
            Assert.Equal(expected, await RunAsync(engine, geometry, 16));
        }
    }

    [Theory]
    [InlineData("shm", true)]
    [InlineData("pipe", false)]
    public async Task ShmDescriptors_GoThroughEachWorkersChannel_PipeTilesDoNot(string mode, bool channel)
    {
        var geometry = new ImageGeometry(200, 120, 3);
        await using var engine = (WorkerEngine)Create(ExecutionModes.Parse(mode), 2);

        await RunAsync(engine, geometry, 8); // 15 tiles over 2 workers

        Assert.All(engine.Supervisor!.Workers, worker =>
        {
            if (channel)
            {
                Assert.NotNull(worker.Channel);
                Assert.True(worker.Channel.Published >= 1, $"worker {worker.WorkerId} got no descriptor through its channel");
                Assert.True(worker.Channel.Taken >= 1, $"worker {worker.WorkerId} sent no reply through its channel");
            }
            else
            {
                Assert.Null(worker.Channel);
            }
        });
    }

    internal static IExecutionEngine Create(ExecutionMode mode, int workers) => mode switch
    {
        ExecutionMode.Pipe or ExecutionMode.Shm => WorkerEngine.Create(mode, workers, SupervisorOptions.Default, NullLogger.Instance),
        _ => new InProcessEngine(mode, workers),
    };

    private static byte[] RandomPixels(ImageGeometry geometry)
    {
        byte[] pixels = new byte[geometry.ByteLength];
        new Random(geometry.Channels * geometry.Bits).NextBytes(pixels);
        return pixels;
    }

    private static async Task<byte[]> RunRandomAsync(IExecutionEngine engine, ImageGeometry geometry, int tileRows)
    {
        await engine.StartAsync(TestHelpers.TimeoutToken()).DefaultTimeout();
        using var image = engine.CreateImage(geometry);
        RandomPixels(geometry).CopyTo(image.Span);
        await engine.RunAsync(image, new TileLayout(geometry, tileRows), s_parameters, TestHelpers.TimeoutToken()).DefaultTimeout();
        return engine.ResultOf(image).Span.ToArray();
    }

    internal static async Task<byte[]> RunAsync(IExecutionEngine engine, ImageGeometry geometry, int tileRows)
    {
        await engine.StartAsync(TestHelpers.TimeoutToken()).DefaultTimeout();
        using var image = engine.CreateImage(geometry);
        SampleImage.Generate(image);
        var stats = await engine.RunAsync(image, new TileLayout(geometry, tileRows), s_parameters, TestHelpers.TimeoutToken()).DefaultTimeout();
        Assert.True(stats.Tiles >= 1);
        return engine.ResultOf(image).Span.ToArray();
    }
}
