import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { UpdateFailureState as _envoy_admin_v3_UpdateFailureState, UpdateFailureState__Output as _envoy_admin_v3_UpdateFailureState__Output } from './envoy/admin/v3/UpdateFailureState';
import type { Any as _google_protobuf_Any, Any__Output as _google_protobuf_Any__Output } from './google/protobuf/Any';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';

export interface ProtoGrpcType {
  envoy: {
    admin: {
      v3: {
        ClientResourceStatus: EnumTypeDefinition
        UpdateFailureState: MessageTypeDefinition<_envoy_admin_v3_UpdateFailureState, _envoy_admin_v3_UpdateFailureState__Output>
      }
    }
  }
  google: {
    protobuf: {
      Any: MessageTypeDefinition<_google_protobuf_Any, _google_protobuf_Any__Output>
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

