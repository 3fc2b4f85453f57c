-- The old Go/Supabase backend's database as its thirteen migrations leave it, written by hand
-- from reading them (final state only: dropped tables and intermediate columns are left out).
-- auth.users carries the Supabase Auth columns the import reads (the migrations only create a
-- stand-in with id/email/timestamps; the real Supabase table has the rest).
CREATE SCHEMA auth;

CREATE TABLE auth.users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text,
    encrypted_password text,
    email_confirmed_at timestamptz,
    banned_until timestamptz,
    deleted_at timestamptz,
    raw_user_meta_data jsonb,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now()
);

CREATE TYPE trip_status AS ENUM ('PLANNING', 'ACTIVE', 'COMPLETED', 'CANCELLED');
CREATE TYPE membership_role AS ENUM ('OWNER', 'MEMBER', 'ADMIN');
CREATE TYPE membership_status AS ENUM ('ACTIVE', 'INACTIVE');
CREATE TYPE todo_status AS ENUM ('COMPLETE', 'INCOMPLETE');
CREATE TYPE invitation_status AS ENUM ('PENDING', 'ACCEPTED', 'DECLINED');
CREATE TYPE location_privacy AS ENUM ('hidden', 'approximate', 'precise');
CREATE TYPE poll_status AS ENUM ('ACTIVE', 'CLOSED');
CREATE TYPE wallet_type AS ENUM ('personal', 'group');
CREATE TYPE document_type AS ENUM (
    'passport', 'visa', 'insurance', 'vaccination', 'loyalty_card',
    'flight_booking', 'hotel_booking', 'reservation', 'receipt', 'other');
-- The original ten values, then the eight migration 11 appended.
CREATE TYPE notification_type AS ENUM (
    'TRIP_INVITATION_RECEIVED', 'TRIP_INVITATION_ACCEPTED', 'TRIP_INVITATION_DECLINED',
    'TRIP_UPDATE', 'NEW_CHAT_MESSAGE', 'EXPENSE_REPORT_SUBMITTED', 'TASK_ASSIGNED',
    'TASK_COMPLETED', 'LOCATION_SHARED', 'MEMBERSHIP_CHANGE',
    'TRIP_INVITATION', 'TRIP_MEMBER_JOINED', 'TRIP_MEMBER_LEFT', 'TRIP_UPDATED',
    'CHAT_MESSAGE', 'TODO_ASSIGNED', 'TODO_COMPLETED', 'MEMBER_ADDED');

-- Profiles: the first migration's table survives the cleanup (its re-creation is IF NOT EXISTS),
-- plus the contact email of migration 6. No foreign key to auth.users.
CREATE TABLE user_profiles (
    id uuid PRIMARY KEY,
    email text NOT NULL UNIQUE,
    username text NOT NULL UNIQUE,
    first_name text NOT NULL DEFAULT '',
    last_name text NOT NULL DEFAULT '',
    avatar_url text NOT NULL DEFAULT '',
    preferences jsonb,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    contact_email text
);

CREATE TABLE user_push_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    token varchar(255) NOT NULL,
    device_type varchar(20) NOT NULL CHECK (device_type IN ('ios', 'android')),
    is_active boolean DEFAULT true,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    last_used_at timestamptz,
    UNIQUE (user_id, token)
);

-- Trips and the other early tables keep timestamps WITHOUT time zone (UTC by convention).
CREATE TABLE trips (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(255) NOT NULL,
    description text,
    start_date date NOT NULL,
    end_date date NOT NULL,
    destination_place_id text,
    destination_address text,
    destination_name text,
    destination_latitude double precision NOT NULL,
    destination_longitude double precision NOT NULL,
    status trip_status NOT NULL DEFAULT 'PLANNING',
    created_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    background_image_url varchar(512),
    deleted_at timestamptz,
    CONSTRAINT chk_trip_dates CHECK (end_date >= start_date)
);

CREATE TABLE expenses (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    trip_id uuid NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    amount numeric(10, 2) NOT NULL,
    description text,
    category varchar(50),
    payment_method varchar(50),
    receipt varchar(255),
    status varchar(50) DEFAULT 'pending',
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at timestamptz
);

CREATE TABLE categories (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(50) NOT NULL,
    type varchar(50) NOT NULL,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE locations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    trip_id uuid NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    latitude double precision NOT NULL,
    longitude double precision NOT NULL,
    accuracy double precision,
    "timestamp" timestamptz NOT NULL,
    location_name varchar(255),
    location_type varchar(50),
    notes text,
    status varchar(50) DEFAULT 'planned',
    is_sharing_enabled boolean DEFAULT false,
    sharing_expires_at timestamptz,
    privacy location_privacy NOT NULL DEFAULT 'approximate',
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at timestamptz
);

CREATE TABLE trip_memberships (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    trip_id uuid NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    role membership_role NOT NULL DEFAULT 'MEMBER',
    status membership_status NOT NULL DEFAULT 'ACTIVE',
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at timestamptz,
    UNIQUE (trip_id, user_id)
);

CREATE TABLE trip_invitations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    trip_id uuid NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    inviter_id uuid REFERENCES auth.users (id) ON DELETE SET NULL,
    invitee_id uuid REFERENCES auth.users (id) ON DELETE CASCADE,
    invitee_email text NOT NULL,
    role membership_role NOT NULL DEFAULT 'MEMBER',
    token text,
    status invitation_status NOT NULL DEFAULT 'PENDING',
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at timestamptz,
    CONSTRAINT chk_invitation_expiry CHECK (expires_at > created_at)
);

CREATE TABLE todos (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    trip_id uuid NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    text text NOT NULL,
    status todo_status NOT NULL DEFAULT 'INCOMPLETE',
    created_by uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE notifications (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    type notification_type NOT NULL,
    metadata jsonb NOT NULL,
    is_read boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE chat_groups (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    trip_id uuid NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    name varchar(255) NOT NULL,
    description text,
    created_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE chat_messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    group_id uuid NOT NULL REFERENCES chat_groups (id) ON DELETE CASCADE,
    user_id uuid REFERENCES auth.users (id) ON DELETE SET NULL,
    content text NOT NULL,
    content_type text NOT NULL DEFAULT 'text',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX ON chat_messages (group_id, created_at DESC);

CREATE TABLE chat_group_members (
    group_id uuid NOT NULL REFERENCES chat_groups (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    joined_at timestamptz NOT NULL DEFAULT now(),
    last_read_message_id uuid REFERENCES chat_messages (id) ON DELETE SET NULL,
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE chat_message_reactions (
    message_id uuid NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    reaction varchar(50) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, user_id, reaction)
);

-- Polls (migration 7), their expiry (8) and its check (9).
CREATE TABLE polls (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    trip_id uuid NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    question varchar(500) NOT NULL,
    allow_multiple_votes boolean NOT NULL DEFAULT false,
    status poll_status NOT NULL DEFAULT 'ACTIVE',
    created_by uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    closed_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
    closed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    expires_at timestamptz NOT NULL,
    CONSTRAINT chk_poll_expiry CHECK (expires_at > created_at)
);

CREATE TABLE poll_options (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    poll_id uuid NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    text varchar(200) NOT NULL,
    position smallint NOT NULL DEFAULT 0,
    created_by uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (poll_id, text)
);

CREATE TABLE poll_votes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    poll_id uuid NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    option_id uuid NOT NULL REFERENCES poll_options (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (poll_id, option_id, user_id)
);

CREATE TABLE feedback (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(100) NOT NULL CHECK (char_length(name) >= 1),
    email varchar(255) NOT NULL,
    message text NOT NULL CHECK (char_length(message) BETWEEN 10 AND 5000),
    source varchar(50) DEFAULT 'landing',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE wallet_documents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES auth.users (id),
    trip_id uuid REFERENCES trips (id) ON DELETE CASCADE,
    wallet_type wallet_type NOT NULL,
    document_type document_type NOT NULL DEFAULT 'other',
    name varchar(255) NOT NULL,
    description text,
    file_path varchar(512) NOT NULL,
    file_size bigint NOT NULL CHECK (file_size > 0),
    mime_type varchar(100) NOT NULL,
    metadata jsonb DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT wallet_trip_check CHECK (
        (wallet_type = 'personal' AND trip_id IS NULL)
        OR (wallet_type = 'group' AND trip_id IS NOT NULL))
);

-- No foreign keys on purpose in the old schema: the log outlives users and documents.
CREATE TABLE wallet_audit_log (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    document_id uuid,
    action varchar(20) NOT NULL,
    ip_address varchar(45),
    user_agent text,
    created_at timestamptz NOT NULL DEFAULT now()
);
