using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Shared.SharedMemory;
using Xunit;

namespace ProcessFarm.Tests.Protocol;

/// <summary>The two rings of a frame channel, both ends mapped in this process, and its park-and-wake handshake.</summary>
public sealed class FrameChannelTests : IDisposable
{
    private readonly FrameChannel _coordinator = FrameChannel.Create(SharedRegion.DefaultDirectory);
    private readonly FrameChannel _worker;

    public FrameChannelTests() => _worker = FrameChannel.Open(_coordinator.AttachPath, _coordinator.TotalBytes);

    [Fact]
    public void Frames_CrossInBothDirections_Unchanged()
    {
        byte[] request = Frame(40, fill: 7);
        byte[] reply = Frame(200, fill: 9);
        byte[] slot = new byte[FrameChannel.MaxFrameBytes];

        Assert.True(_coordinator.TryPublish(request));
        Assert.Equal(0, _coordinator.TryTake(slot)); // the coordinator reads the other ring
        int length = _worker.TryTake(slot);
        Assert.Equal(request, slot[..length]);
        Assert.Equal(0, _worker.TryTake(slot));

        Assert.True(_worker.TryPublish(reply));
        length = _coordinator.TryTake(slot);
        Assert.Equal(reply, slot[..length]);
        Assert.Equal((1ul, 1ul), (_coordinator.Published, _coordinator.Taken));
    }

    [Fact]
    public void Ring_WrapsAround_InOrder()
    {
        byte[] slot = new byte[FrameChannel.MaxFrameBytes];
        for (int i = 0; i < 3 * FrameChannel.SlotCount; i++)
        {
            Assert.True(_coordinator.TryPublish(Frame(1 + (i % 200), fill: (byte)i)));
            int length = _worker.TryTake(slot);
            Assert.Equal(Frame(1 + (i % 200), fill: (byte)i), slot[..length]);
        }
    }

    [Fact]
    public void FullRing_RefusesTheNextFrame_UntilOneIsTaken()
    {
        byte[] slot = new byte[FrameChannel.MaxFrameBytes];
        for (int i = 0; i < FrameChannel.SlotCount; i++)
        {
            Assert.True(_coordinator.TryPublish(Frame(8, fill: (byte)i)));
        }

        Assert.False(_coordinator.TryPublish(Frame(8, fill: 99)));
        Assert.Equal(Frame(8, fill: 0), slot[.._worker.TryTake(slot)]);
        Assert.True(_coordinator.TryPublish(Frame(8, fill: 99)));
    }

    [Fact]
    public void FrameLargerThanASlot_IsRefused()
    {
        Assert.True(_coordinator.TryPublish(Frame(FrameChannel.MaxFrameBytes - 4, fill: 1)));
        Assert.False(_coordinator.TryPublish(Frame(FrameChannel.MaxFrameBytes - 3, fill: 1)));
        Assert.Equal(1ul, _coordinator.Published);
    }

    [Fact]
    public void SlotWithAnImpossibleLength_IsInvalidData()
    {
        byte[] lying = Frame(8, fill: 1);
        BinaryPrimitives.WriteUInt32BigEndian(lying, 10_000);
        Assert.True(_coordinator.TryPublish(lying));

        Assert.Throws<InvalidDataException>(() => _worker.TryTake(new byte[FrameChannel.MaxFrameBytes]));
    }

    [Fact]
    public void TryTakeFrame_GivesTheBody_AndACorruptSlotIsMalformed()
    {
        byte[] slot = new byte[FrameChannel.MaxFrameBytes];
        Assert.False(_worker.TryTakeFrame(slot, out _));

        Assert.True(_coordinator.TryPublish(Frame(5, fill: 3)));
        Assert.True(_worker.TryTakeFrame(slot, out var body));
        Assert.Equal(new byte[] { 3, 3, 3, 3, 3 }, body.ToArray());

        byte[] lying = Frame(8, fill: 1);
        BinaryPrimitives.WriteUInt32BigEndian(lying, 10_000);
        Assert.True(_coordinator.TryPublish(lying));
        Assert.Equal(ErrorCode.Malformed, Assert.Throws<ProtocolException>(() => _worker.TryTakeFrame(slot, out _)).Code);
    }

    [Fact]
    public void Open_ARegionThatIsNotAChannel_Throws()
    {
        using var region = SharedRegion.Create(SharedRegion.DefaultDirectory, 4096);
        var e = Assert.Throws<SharedMemoryException>(() => FrameChannel.Open(region.AttachPath, region.TotalBytes));
        Assert.Contains("not a", e.Message);
    }

    [Fact]
    public async Task Wait_WhileSpinning_SeesAPublishedFrame()
    {
        var (mine, theirs) = SocketPair();
        using var _1 = mine;
        using var _2 = theirs; // open and silent: only the doorbell can end the wait
        var waiting = Task.Run(() => _worker.Wait((int)mine.Handle, spinNs: 30_000_000_000)); // spins, never parks

        await Task.Delay(50);
        Assert.False(_coordinator.PeerParked);
        _coordinator.TryPublish(Frame(8, fill: 1));

        Assert.Equal(WaitReady.Doorbell, await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ParkedConsumer_IsVisibleToTheProducer_AndWokenThroughTheSocket()
    {
        var (workerEnd, coordinatorEnd) = SocketPair();
        using var _1 = workerEnd;
        using var _2 = coordinatorEnd;
        var waiting = Task.Run(() => _worker.Wait((int)workerEnd.Handle, spinNs: 0)); // parks at once

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!_coordinator.PeerParked)
        {
            await Task.Delay(1, deadline.Token);
        }
        Assert.False(waiting.IsCompleted);
        Assert.True(_coordinator.TryPublish(Frame(8, fill: 1)));
        Assert.True(_coordinator.PeerParked); // published after the peer parked: it must be woken
        coordinatorEnd.Send(new byte[1]);

        Assert.Equal(WaitReady.Socket, await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(_coordinator.PeerParked);
    }

    public void Dispose()
    {
        _worker.Dispose();
        _coordinator.Dispose();
    }

    /// <summary>A frame as the wire has it: 4-byte big-endian body length, then the body.</summary>
    private static byte[] Frame(int bodyBytes, byte fill)
    {
        byte[] frame = new byte[4 + bodyBytes];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)bodyBytes);
        frame.AsSpan(4).Fill(fill);
        return frame;
    }

    internal static (Socket, Socket) SocketPair()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pf-test-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        var server = listener.Accept();
        File.Delete(path);
        return (client, server);
    }
}
