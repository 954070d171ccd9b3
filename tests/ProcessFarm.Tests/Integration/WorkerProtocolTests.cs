using System.Buffers.Binary;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Shared.SharedMemory;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>A real worker process, driven frame by frame.</summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public class WorkerProtocolTests
{
    private static readonly LutTileParameters s_tile = new(0.5, 1.5, new TileShape(10, 4, 3));

    private static LutRegionParameters InRegion(long offset) => new(0.5, 1.5, new TileShape(10, 4, 3), offset, offset);

    [Fact]
    public async Task LutJob_ReturnsTheKernelsOutput()
    {
        await using var worker = await RawWorker.StartAsync();
        byte[] tile = Enumerable.Range(0, 120).Select(i => (byte)(i * 2)).ToArray();

        await worker.SendAsync(f => f.WriteJob(5, s_tile, tile));
        var reply = await worker.ReceiveAsync();

        byte[] expected = new byte[tile.Length];
        LookupTable.Create(new LutParameters(0.5, 1.5)).Apply(tile, expected);
        Assert.Equal(MessageType.Result, reply.Type);
        Assert.Equal(5ul, reply.Id);
        Assert.Equal(expected, reply.Payload);
    }

    [Fact]
    public async Task EchoJob_ReturnsThePayload()
    {
        await using var worker = await RawWorker.StartAsync();
        byte[] payload = new byte[100_000];
        new Random(5).NextBytes(payload);

        await worker.SendAsync(f => f.WriteJob(9, EchoParameters.Instance, payload));
        var reply = await worker.ReceiveAsync();

        Assert.Equal(9ul, reply.Id);
        Assert.Equal(payload, reply.Payload);
    }

    [Fact]
    public async Task MalformedFrame_GetsAnErrorReply_AndTheWorkerServesOn()
    {
        await using var worker = await RawWorker.StartAsync();

        // A well-framed body that is not a MessagePack array: [4-byte length]["hello"].
        await worker.SendRawAsync([0, 0, 0, 6, 0xa5, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o']);
        var error = await worker.ReceiveAsync();
        Assert.Equal(ErrorCode.Malformed, error.Error?.Code);

        await worker.SendAsync(f => f.WriteJob(6, s_tile, new byte[120]));
        Assert.Equal(MessageType.Result, (await worker.ReceiveAsync()).Type);
    }

    [Fact]
    public async Task BadParameters_GetAnErrorReplyWithTheJobId()
    {
        await using var worker = await RawWorker.StartAsync();

        await worker.SendAsync(f => f.WriteJob(7, s_tile with { Gamma = 0 }, new byte[120]));
        var badGamma = await worker.ReceiveAsync();
        await worker.SendAsync(f => f.WriteJob(8, s_tile with { Shape = s_tile.Shape with { Rows = 5 } }, new byte[120]));
        var badGeometry = await worker.ReceiveAsync();

        Assert.Equal((7ul, ErrorCode.InvalidArgument), (badGamma.Id, badGamma.Error!.Code));
        Assert.Equal((8ul, ErrorCode.InvalidArgument), (badGeometry.Id, badGeometry.Error!.Code));
    }

    [Fact]
    public async Task ShmJob_BeforeAttach_IsRefused()
    {
        await using var worker = await RawWorker.StartAsync();
        await worker.SendAsync(f => f.WriteJob(3, InRegion(0)));
        Assert.Equal(ErrorCode.NotAttached, (await worker.ReceiveAsync()).Error?.Code);
    }

    [Theory]
    [InlineData(4096, 1)]
    [InlineData(0, 1 << 20)]
    [InlineData(long.MaxValue - 10, 120)]
    [InlineData(4096 - 119, 120)]
    public async Task ShmDescriptor_OutsideTheRegion_IsRefused_AndTheWorkerServesOn(long offset, long length)
    {
        await using var worker = await RawWorker.StartAsync();
        using var region = Shared.SharedMemory.SharedRegion.Create("/dev/shm", 4096);
        await worker.SendAsync(f => f.WriteAttach(new AttachRequest(1, region.AttachPath, region.TotalBytes)));
        Assert.Equal(MessageType.Result, (await worker.ReceiveAsync()).Type);

        await worker.SendAsync(f => f.WriteJob(2, InRegion(offset) with { Shape = new TileShape((int)length, 1, 1) }));
        var refused = await worker.ReceiveAsync();
        Assert.Equal((2ul, ErrorCode.OutOfRange), (refused.Id, refused.Error?.Code));

        region.GetSpan(100, 120).Fill(10);
        await worker.SendAsync(f => f.WriteJob(3, InRegion(100)));
        Assert.Equal(MessageType.Result, (await worker.ReceiveAsync()).Type);
        byte expected = LookupTable.Create(new LutParameters(0.5, 1.5)).Table[10];
        Assert.All(region.GetSpan(100, 120).ToArray(), b => Assert.Equal(expected, b));
    }

    [Fact]
    public async Task Attach_BadPath_IsRegionInvalid()
    {
        await using var worker = await RawWorker.StartAsync();
        await worker.SendAsync(f => f.WriteAttach(new AttachRequest(1, "/nonexistent/region", 8192)));
        Assert.Equal(ErrorCode.RegionInvalid, (await worker.ReceiveAsync()).Error?.Code);
    }

    [Fact]
    public async Task OversizedFrameLength_GetsAnError_ThenTheWorkerCloses()
    {
        await using var worker = await RawWorker.StartAsync();
        byte[] prefix = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, uint.MaxValue);

        await worker.SendRawAsync(prefix);

        Assert.Equal(ErrorCode.FrameTooLarge, (await worker.ReceiveAsync()).Error?.Code);
        await worker.Process.Exited.DefaultTimeout();
        Assert.Equal(5, worker.Process.ExitCode); // ExitCode.ProtocolError
    }

    [Fact]
    public async Task ClosedPipe_EndsTheWorker()
    {
        var worker = await RawWorker.StartAsync();

        await worker.Connection.DisposeAsync(); // the coordinator's side goes away

        await worker.Process.Exited.DefaultTimeout();
        Assert.Equal(0, worker.Process.ExitCode);
        await worker.DisposeAsync();
    }

    [Fact]
    public async Task Shutdown_EndsTheWorkerWithSuccess()
    {
        await using var worker = await RawWorker.StartAsync();
        await worker.SendAsync(f => f.WriteShutdown());
        await worker.Process.Exited.DefaultTimeout();
        Assert.Equal(0, worker.Process.ExitCode);
    }

    [Fact]
    public async Task FibJob_ReturnsTheInteger()
    {
        await using var worker = await RawWorker.StartAsync();
        await worker.SendAsync(f => f.WriteJob(1, new FibParameters(20)));
        var reply = await worker.ReceiveAsync();
        Assert.Equal([0xcd, 0x1a, 0x6d], reply.Payload); // 6765 as uint 16
    }

    [Fact]
    public async Task ChannelJob_AndItsReply_TravelThroughTheRings()
    {
        await using var worker = await RawWorker.StartAsync();
        await worker.Connection.OpenChannelAsync(SharedRegion.DefaultDirectory, TestHelpers.TimeoutToken());
        var channel = worker.Connection.Channel!;

        await worker.PostAsync(f => f.WriteJob(7, new FibParameters(20)));
        var reply = await worker.ReceiveAsync();

        Assert.Equal((MessageType.Result, 7ul), (reply.Type, reply.Id));
        Assert.Equal([0xcd, 0x1a, 0x6d], reply.Payload);
        Assert.Equal((1ul, 1ul), (channel.Published, channel.Taken));
    }

    [Fact]
    public async Task ChannelJobs_BeyondTheRing_SpillToTheSocket_AndEachIsAnsweredOnce()
    {
        await using var worker = await RawWorker.StartAsync();
        await worker.Connection.OpenChannelAsync(SharedRegion.DefaultDirectory, TestHelpers.TimeoutToken());
        const int jobs = 2_000; // far more than a ring's slots, posted without waiting

        for (ulong id = 1; id <= jobs; id++)
        {
            await worker.PostAsync(f => f.WriteJob(id, new FibParameters(1 + (int)(id % 20))));
        }
        var ids = new HashSet<ulong>();
        for (int i = 0; i < jobs; i++)
        {
            var reply = await worker.ReceiveAsync();
            Assert.Equal(MessageType.Result, reply.Type);
            Assert.True(ids.Add(reply.Id), $"job {reply.Id} answered twice");
        }
        Assert.Equal(jobs, ids.Count);
        Assert.InRange(worker.Connection.Channel!.Taken, 1ul, (ulong)jobs); // replies came both ways
    }

    [Fact]
    public async Task ChannelJob_WithBadParameters_GetsItsErrorThroughTheRing()
    {
        await using var worker = await RawWorker.StartAsync();
        await worker.Connection.OpenChannelAsync(SharedRegion.DefaultDirectory, TestHelpers.TimeoutToken());

        await worker.PostAsync(f => f.WriteJob(4, InRegion(0))); // no region attached

        var reply = await worker.ReceiveAsync();
        Assert.Equal((MessageType.Error, 4ul), (reply.Type, reply.Id));
        Assert.Equal(1ul, worker.Connection.Channel!.Taken);
    }

    [Fact]
    public async Task Channel_BadPath_IsRegionInvalid()
    {
        await using var worker = await RawWorker.StartAsync();
        await worker.SendAsync(f => f.WriteChannel(new AttachRequest(3, "/nonexistent/channel", 40960)));
        var reply = await worker.ReceiveAsync();
        Assert.Equal((ErrorCode.RegionInvalid, 3ul), (reply.Error?.Code, reply.Id));
    }

    [Fact]
    public async Task Wake_WithoutAChannel_IsHarmless()
    {
        await using var worker = await RawWorker.StartAsync();
        await worker.SendAsync(f => f.WriteWake());
        await worker.SendAsync(f => f.WriteJob(2, new FibParameters(10)));
        var reply = await worker.ReceiveAsync();
        Assert.Equal((MessageType.Result, 2ul), (reply.Type, reply.Id));
    }
}
