using System.Runtime.InteropServices;

namespace ProcessFarm.Shared.Native;

/// <summary>Owns a native <c>pf_encoder</c>; invalid when zero.</summary>
internal sealed class SafeEncoderHandle : SafeHandle
{
    /// <summary>Called by the interop layer when <c>pf_encoder_create</c> returns.</summary>
    public SafeEncoderHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        Interop.PfNative.EncoderDestroy(handle);
        return true;
    }
}
