import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CompanyIdKey = defineSearchAttributeKey('CompanyId', SearchAttributeType.KEYWORD);
export const OrderIdKey = defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD);
